import { performance } from 'node:perf_hooks';
import {
  type Diagnostic,
  DiagnosticCodes,
  ErrorCodes,
  ReloaddErrorCodes,
} from '../../protocol/index.js';
import { HostRequestError } from '../crossing/HostRequestError.js';
import type { HostLimits } from '../crossing/hostMessages.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { describePlace } from '../crossing/sourceLocation.js';
import { diagnosticAt } from '../diagnostics/pluginDiagnostics.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import type { CallGate } from './CallGate.js';
import type { CommandRoutes } from './CommandRoutes.js';
import type { RemoteGeneration } from './RemoteGeneration.js';

/** What the supervisor needs to know of the daemon's plugins (the catalog answers). */
export interface PluginDirectory {
  /** Whether the daemon still knows this plugin (its folder may have been removed). */
  has(id: string): boolean;
  /** The generation the plugin runs now, if any. */
  currentGeneration(id: string): RemoteGeneration | undefined;
  /** What its manifest says (its dependencies and permissions), if the daemon knows it. */
  descriptorOf(id: string): PluginDescriptor | undefined;
}

/** What a plugin's code asks of something outside it. */
export type OutsideCall =
  | { command: string; owner: string }
  | { api: string; owner: string }
  | { editor: string };

/**
 * Why plugin `caller`'s code may not make `call`, or undefined when it may. A plugin with
 * `permissions` reaches only its own commands and its dependencies' (commands and API), the
 * commands its manifest grants, and the editor calls it grants: another plugin's code runs
 * with that plugin's rights, and the editor with the user's, not the caller's. Pure.
 */
export function callRefusal(
  caller: Pick<PluginDescriptor, 'id' | 'dependencies' | 'permissions'>,
  call: OutsideCall,
): string | undefined {
  const granted = caller.permissions;
  if (!granted) return undefined;
  if ('editor' in call)
    return granted.editor.includes(call.editor)
      ? undefined
      : `plugin "${caller.id}" was denied Editor "${call.editor}" by its permissions (the editor acts with the user's rights); to allow it, add "${call.editor}" to "permissions": { "editor": [...] } in plugin.json`;
  const { owner } = call;
  if (owner === caller.id || Object.hasOwn(caller.dependencies, owner)) return undefined;
  if ('command' in call && granted.commands.includes(call.command)) return undefined;
  const what = 'command' in call ? `Command "${call.command}"` : `API "${call.api}"`;
  const grant =
    'command' in call
      ? `add "${owner}" to its "dependencies", or "${call.command}" to "permissions": { "commands": [...] } in plugin.json`
      : `add "${owner}" to its "dependencies" in plugin.json`;
  return `plugin "${caller.id}" was denied ${what} (plugin "${owner}'s") by its permissions; to allow it, ${grant}`;
}

/** A command by name, or a method of a plugin's API. */
export type CallTarget = { command: string } | { api: { pluginId: string; method: string } };

/**
 * A call that failed in a way the plugin must hear of: it ran past its limit (`failsPlugin`: the
 * supervisor fails it), or its permissions refused it (a diagnostic says which grant is missing).
 * The caller hears `answer`.
 */
export class CallFailure extends Error {
  constructor(
    readonly pluginId: string,
    readonly diagnostic: Diagnostic,
    readonly answer: RequestFailure,
    readonly failsPlugin = true,
  ) {
    super(answer.message);
  }
}

interface CallDeps {
  routes: CommandRoutes;
  gate: CallGate;
  plugins: PluginDirectory;
  snapshots: Pick<SnapshotStore, 'settled'>;
  limits: HostLimits;
  pluginsDir: string;
}

/**
 * Calls into plugins from outside them: a client's command, another plugin's command, or a
 * method of a dependency's API. Each finds the generation running now, waits out its swap
 * (keeping its time limit), and runs there; a name nobody has registered waits for every swap
 * under way (a new generation may register it). With a state folder, the answer waits until
 * the call's effect on the plugin's state is on disk.
 */
export class PluginCalls {
  constructor(private readonly deps: CallDeps) {}

  /**
   * Throws what `callerId`'s code is told when its permissions refuse `call` (its diagnostic
   * goes with it); a caller the daemon does not know is refused too.
   */
  refuseOutsideCall(callerId: string, call: OutsideCall): void {
    const caller = this.deps.plugins.descriptorOf(callerId);
    const refused = caller
      ? callRefusal(caller, call)
      : `a call from plugin "${callerId}", which the daemon does not run, was refused`;
    if (refused === undefined) return;
    throw new CallFailure(
      callerId,
      diagnosticAt(callerId, 'error', DiagnosticCodes.PermissionDenied, refused),
      RequestFailure.commandFailed(refused),
      false,
    );
  }

  async run(
    what: CallTarget,
    args: unknown[],
    from: { isCancelled?(): boolean; callerId?: string },
  ): Promise<unknown> {
    const { isCancelled = () => false, callerId } = from;
    const arrived = performance.now();
    const { commandMs } = this.deps.limits;
    const routeNow = () =>
      'command' in what
        ? this.deps.routes.get(what.command)
        : {
            pluginId: what.api.pluginId,
            key: this.deps.plugins.currentGeneration(what.api.pluginId)?.key,
          };
    const label =
      'command' in what ? `command "${what.command}"` : `API method "${what.api.method}"`;
    let route = routeNow();
    while (this.deps.gate.holds(route?.pluginId, callerId)) {
      const left = commandMs - (performance.now() - arrived);
      if (left <= 0) break;
      await this.deps.gate.wait(route?.pluginId, callerId, left);
      route = routeNow();
    }
    if (isCancelled())
      throw new RequestFailure(
        ErrorCodes.RequestCancelled,
        ReloaddErrorCodes.Cancelled,
        'the request was cancelled',
      );
    const heldMs = performance.now() - arrived;
    if (heldMs >= commandMs) {
      const of = route ? ` of plugin "${route.pluginId}"` : '';
      throw RequestFailure.commandFailed(
        `${label}${of} waited ${Math.round(heldMs)} ms for ${route ? "the plugin's reload" : 'reloads under way'}, past its ${commandMs} ms limit; it did not run`,
      );
    }
    const generation = route ? this.deps.plugins.currentGeneration(route.pluginId) : undefined;
    if (callerId !== undefined && route)
      this.refuseOutsideCall(
        callerId,
        'command' in what
          ? { command: what.command, owner: route.pluginId }
          : { api: what.api.method, owner: what.api.pluginId },
      );
    if (!route || !generation || generation.key !== route.key) {
      if ('api' in what)
        throw RequestFailure.commandFailed(
          `plugin "${what.api.pluginId}" is not active: its API cannot be called`,
        );
      throw new RequestFailure(
        ErrorCodes.UnknownCommand,
        ReloaddErrorCodes.UnknownCommand,
        `unknown command "${what.command}"`,
      );
    }
    try {
      const result =
        'command' in what
          ? await generation.command(what.command, args, commandMs - heldMs)
          : await generation.callApi(what.api.method, args, commandMs - heldMs);
      // Acknowledged means durable: the answer goes once the state it changed is on disk.
      await this.deps.snapshots.settled(route.pluginId);
      return result;
    } catch (error) {
      if (!(error instanceof HostRequestError)) throw error;
      const { reason, message, location, hostStopped } = error.error;
      const text =
        reason === 'gone'
          ? `${label} of plugin "${route.pluginId}" could not finish: ${message}`
          : `${label} of plugin "${route.pluginId}" ${message}`;
      const at = location
        ? ` (${describePlace(this.deps.pluginsDir, location.file, location.range)})`
        : '';
      const answer = RequestFailure.commandFailed(`${text}${at}`);
      // A stuck or dead host is blamed on whoever was running in it (hostCrashed), not on this call.
      if (reason === 'timeout' && !hostStopped)
        throw new CallFailure(
          route.pluginId,
          diagnosticAt(route.pluginId, 'error', DiagnosticCodes.Timeout, text, location),
          answer,
        );
      if (error.error.denied)
        throw new CallFailure(
          route.pluginId,
          diagnosticAt(route.pluginId, 'error', DiagnosticCodes.PermissionDenied, text, location),
          answer,
          false,
        );
      throw answer;
    }
  }
}
