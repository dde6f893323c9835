import type { HostNotice, HostPost, StorageCall } from '../crossing/hostMessages.js';
import { toJsonValue } from '../crossing/stateTransfer.js';

/**
 * What plugin code asks of the daemon from inside a host: a command registered in another host,
 * a dependency's API, the editor (`editor/call`), or its own storage. Each is a notice; its answer
 * comes back as a `callResult` post.
 */
export class DaemonCalls {
  private readonly pending = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void; editorFor?: string }
  >();
  private nextId = 1;

  constructor(private readonly notify: (notice: HostNotice) => void) {}

  /** Calls waiting for their answer (an unloaded generation's realm may be held by one). */
  get waiting(): number {
    return this.pending.size;
  }

  /** True while the plugin waits for the editor: that time is not the plugin's. */
  waitsForEditor(pluginId: string): boolean {
    for (const call of this.pending.values()) if (call.editorFor === pluginId) return true;
    return false;
  }

  /** Plugin `fromPluginId` runs a command of another host's. */
  command(fromPluginId: string, name: string, args: unknown[]): Promise<unknown> {
    return this.ask((requestId) => ({
      op: 'callCommand',
      requestId,
      fromPluginId,
      name,
      args: toJsonValue(args) as unknown[],
    }));
  }

  /** Plugin `fromPluginId` calls a method of `target`'s API (wherever `target` runs). */
  api(fromPluginId: string, target: string, method: string, args: unknown[]): Promise<unknown> {
    return this.ask((requestId) => ({
      op: 'callApi',
      requestId,
      fromPluginId,
      target,
      method,
      args: toJsonValue(args) as unknown[],
    }));
  }

  editor(pluginId: string, method: string, args: unknown[]): Promise<unknown> {
    return this.ask(
      (requestId) => ({
        op: 'callEditor',
        requestId,
        pluginId,
        method,
        args: toJsonValue(args) as unknown[],
      }),
      pluginId,
    );
  }

  /** Plugin `pluginId` gets, sets or deletes a key of its own storage (the value as JSON). */
  storage(pluginId: string, call: StorageCall): Promise<unknown> {
    return this.ask((requestId) => ({
      op: 'callStorage',
      requestId,
      pluginId,
      call: call.action === 'set' ? { ...call, value: toJsonValue(call.value) } : call,
    }));
  }

  answer(result: Extract<HostPost, { op: 'callResult' }>): void {
    const pending = this.pending.get(result.requestId);
    this.pending.delete(result.requestId);
    if (result.ok) pending?.resolve(result.value);
    else
      pending?.reject(
        Object.assign(new Error(result.message), result.code ? { code: result.code } : {}),
      );
  }

  private ask(
    call: (
      requestId: number,
    ) => Extract<HostNotice, { op: 'callCommand' | 'callApi' | 'callEditor' | 'callStorage' }>,
    editorFor?: string,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const requestId = this.nextId++;
      this.pending.set(requestId, { resolve, reject, ...(editorFor ? { editorFor } : {}) });
      this.notify(call(requestId));
    });
  }
}
