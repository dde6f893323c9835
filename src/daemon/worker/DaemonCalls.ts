import type {
  DaemonCallError,
  DaemonOperations,
  DaemonResult,
  FromHost,
  StorageCall,
} from '../crossing/hostMessages.js';
import { PendingRequests } from '../crossing/PendingRequests.js';
import { toJsonValue } from '../crossing/stateTransfer.js';

/**
 * What plugin code asks of the daemon from inside a host: a command registered in another host,
 * a dependency's API, the editor (`editor/call`), or its own storage. Each is a request
 * (`DaemonOperations`); the daemon's `reply` settles it, and a refusal reaches plugin code as an
 * Error with the refusal's `RELOADD_...` code as `code`. Each call is async: arguments that cannot
 * become JSON fail the plugin's promise, never its caller at once.
 */
export class DaemonCalls extends PendingRequests<DaemonOperations, DaemonCallError> {
  constructor(send: (message: FromHost) => void) {
    super({
      send,
      failure: (error) =>
        Object.assign(new Error(error.message), error.code ? { code: error.code } : {}),
      // The daemon answers each request once: a stray reply is a fault of the host's own, said on
      // its stderr, which the daemon logs.
      unknownReply: (reply) =>
        process.stderr.write(`a reply from the daemon to no request waiting (id ${reply.id})\n`),
    });
  }

  /** True while the plugin waits for the editor: that time is not the plugin's. */
  waitsForEditor(pluginId: string): boolean {
    for (const request of this.requests())
      if (request.op === 'callEditor' && request.pluginId === pluginId) return true;
    return false;
  }

  /** Plugin `fromPluginId` runs a command of another host's. */
  async command(
    fromPluginId: string,
    name: string,
    args: unknown[],
  ): Promise<DaemonResult<'callCommand'>> {
    return this.request({
      op: 'callCommand',
      fromPluginId,
      name,
      args: toJsonValue(args) as unknown[],
    });
  }

  /** Plugin `fromPluginId` calls a method of `target`'s API (wherever `target` runs). */
  async api(
    fromPluginId: string,
    target: string,
    method: string,
    args: unknown[],
  ): Promise<DaemonResult<'callApi'>> {
    return this.request({
      op: 'callApi',
      fromPluginId,
      target,
      method,
      args: toJsonValue(args) as unknown[],
    });
  }

  async editor(
    pluginId: string,
    method: string,
    args: unknown[],
  ): Promise<DaemonResult<'callEditor'>> {
    return this.request({
      op: 'callEditor',
      pluginId,
      method,
      args: toJsonValue(args) as unknown[],
    });
  }

  /** Plugin `pluginId` gets, sets or deletes a key of its own storage (the value as JSON). */
  async storage(pluginId: string, call: StorageCall): Promise<DaemonResult<'callStorage'>> {
    return this.request({
      op: 'callStorage',
      pluginId,
      call: call.action === 'set' ? { ...call, value: toJsonValue(call.value) } : call,
    });
  }
}
