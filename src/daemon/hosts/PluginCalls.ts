import { EventEmitter } from 'node:events';
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
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import { diagnosticAt } from '../diagnostics/pluginDiagnostics.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import type { EditorBridge } from '../toClients/EditorBridge.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import { holds, waitAtGates } from './CallGate.js';
import type { CommandRoutes } from './CommandRoutes.js';
import type { PluginLookup } from './PluginLookup.js';

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

export interface PluginCallsOptions {
  routes: CommandRoutes;
  plugins: PluginLookup;
  snapshots: Pick<SnapshotStore, 'settled'>;
  diagnostics: DiagnosticsStore;
  /** Where plugins' editor calls go. */
  editors: EditorBridge;
  limits: HostLimits;
  pluginsDir: string;
}

export interface PluginCallsEvents {
  /** A call ran past its plugin's limit: the plugin must fail (the reload side does it). */
  watchdogStopped: [pluginId: string, diagnostic: Diagnostic];
}

/**
 * Calls into plugins from outside them, and out of them to the editor: a client's command,
 * another plugin's command, a method of a dependency's API, a plugin's `editor/call`. A call
 * into a plugin finds the generation running now, waits out its swap at the plugin's gate
 * (keeping its time limit), and runs there; a name nobody has registered waits for every swap
 * under way (a new generation may register it). With a state folder, the answer waits until
 * the call's effect on the plugin's state is on disk.
 */
export class PluginCalls extends EventEmitter<PluginCallsEvents> {
  constructor(private readonly deps: PluginCallsOptions) {
    super();
  }

  /**
   * Runs a command in its plugin's host; its JSON result, or an error naming the line or the
   * hang. `callerId` is the plugin whose code runs it: it never waits for its own swap.
   */
  executeCommand(
    name: string,
    args: unknown[],
    from: { isCancelled?(): boolean; callerId?: string } = {},
  ): Promise<unknown> {
    return this.answered(this.run({ command: name }, args, from));
  }

  /**
   * A method of plugin `target`'s API (what its `activate` returned), called by a plugin that
   * depends on it (`ctx.plugins.get`): in the target's realm and under its time limits, waiting
   * out its swap as a command does, so that it always reaches the generation running now.
   */
  callApi(target: string, method: string, args: unknown[], callerId: string): Promise<unknown> {
    return this.answered(this.run({ api: { pluginId: target, method } }, args, { callerId }));
  }

  /** A plugin's call to the editor, if its permissions let it; its time limits stand still meanwhile. */
  async callEditor(pluginId: string, method: string, args: unknown[]): Promise<unknown> {
    const gate = this.deps.plugins.get(pluginId)?.gate;
    const call = () => this.deps.editors.call(pluginId, method, args);
    return this.answered(
      (async () => {
        this.refuseOutsideCall(pluginId, { editor: method });
        return gate ? gate.duringEditorCall(call) : call();
      })(),
    );
  }

  /** The commands a plugin's running generation registered, and how many parameters each declares. */
  commandsOf(pluginId: string): { name: string; arity: number }[] {
    return this.deps.routes.of(pluginId);
  }

  /**
   * What a failed call is answered; a plugin that overran its limit is failed by the reload side
   * (`watchdogStopped`), a denial is only said: the plugin runs on.
   */
  private async answered(call: Promise<unknown>): Promise<unknown> {
    try {
      return await call;
    } catch (error) {
      if (!(error instanceof CallFailure)) throw error;
      if (error.failsPlugin) this.emit('watchdogStopped', error.pluginId, error.diagnostic);
      else this.deps.diagnostics.add(DiagnosticSource.Reload, error.diagnostic);
      throw error.answer;
    }
  }

  /**
   * Throws what `callerId`'s code is told when its permissions refuse `call` (its diagnostic
   * goes with it); a caller the daemon does not know is refused too.
   */
  private refuseOutsideCall(callerId: string, call: OutsideCall): void {
    const caller = this.deps.plugins.get(callerId)?.descriptor;
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

  private async run(
    what: CallTarget,
    args: unknown[],
    from: { isCancelled?(): boolean; callerId?: string },
  ): Promise<unknown> {
    const { isCancelled = () => false, callerId } = from;
    const arrived = performance.now();
    const { commandMs } = this.deps.limits;
    const { plugins } = this.deps;
    const routeNow = () =>
      'command' in what
        ? this.deps.routes.get(what.command)
        : { pluginId: what.api.pluginId, key: plugins.get(what.api.pluginId)?.generation?.key };
    const gates = () => [...plugins.all()].map((plugin) => plugin.gate);
    const label =
      'command' in what ? `command "${what.command}"` : `API method "${what.api.method}"`;
    let route = routeNow();
    while (holds(gates(), route?.pluginId, callerId)) {
      const left = commandMs - (performance.now() - arrived);
      if (left <= 0) break;
      await waitAtGates(gates, route?.pluginId, callerId, left);
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
    const generation = route ? plugins.get(route.pluginId)?.generation : undefined;
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
