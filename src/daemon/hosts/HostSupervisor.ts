import { EventEmitter } from 'node:events';
import { type Diagnostic, DiagnosticCodes } from '../../protocol/index.js';
import type { HostInitiated, HostLimits } from '../crossing/hostMessages.js';
import type { PluginBundle } from '../crossing/PluginBundle.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import type { DebugTargets } from '../debugging/DevToolsTargets.js';
import type { HostInspector } from '../debugging/HostInspector.js';
import type { DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import { diagnosticAt } from '../diagnostics/pluginDiagnostics.js';
import { RuntimeDiagnostics } from '../diagnostics/RuntimeDiagnostics.js';
import type { Logger } from '../logs/logger.js';
import type { PluginStorage } from '../state/PluginStorage.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import type { CommandRoutes } from './CommandRoutes.js';
import { innermost } from './cpuProfile.js';
import { type HostMemoryReport, HostPool } from './HostPool.js';
import { HostReports, isHostReport } from './HostReports.js';
import { HostKind } from './hostTransports.js';
import type { PluginCalls } from './PluginCalls.js';
import type { HostCrash, PluginHost } from './PluginHost.js';
import type { PluginLookup } from './PluginLookup.js';
import { RemoteGeneration } from './RemoteGeneration.js';

export interface SupervisorOptions {
  plugins: PluginLookup;
  /** Which generation answers each command name: hosts' registrations are written there. */
  routes: CommandRoutes;
  /** Where hosts' calls into other plugins and to the editor go. */
  calls: PluginCalls;
  diagnostics: DiagnosticsStore;
  snapshots: SnapshotStore;
  /** Plugins' own storage (`ctx.storage`): each host's plugins reach only their own. */
  storage: PluginStorage;
  logger: Logger;
  pluginsDir: string;
  limits: HostLimits;
  memoryMb: number;
  workerPath: URL;
  /** The daemon's own inspector session into its worker hosts. */
  inspector?: HostInspector;
}

/** What the supervisor sees happen to plugins that only the reload side can act on. */
export interface SupervisorEvents {
  /** The watchdog stopped a plugin: one of its calls ran past its limit. It must fail. */
  watchdogStopped: [pluginId: string, diagnostic: Diagnostic];
  /**
   * A host died (memory cap, a loop that could not be interrupted). `culpritId` is the plugin
   * whose code was running in it; the others that lived there need loading again.
   */
  hostCrashed: [host: PluginHost, crash: HostCrash, culpritId: string | undefined];
}

/**
 * The daemon's side of the plugin hosts: it loads generations into them, routes events, passes
 * hosts' calls on to the plugins and the editor, turns what hosts report into logs, snapshots
 * and diagnostics, and says when the watchdog stopped a plugin or a host died.
 */
export class HostSupervisor extends EventEmitter<SupervisorEvents> {
  private readonly pool: HostPool;
  /** Which plugin each generation slot belongs to (see PluginHost's "running" slot). */
  private nextSlot = 1;
  /** What the editor pushed (`editor/state`), merged: every host has it before a plugin loads there. */
  private editorState: Record<string, unknown> = {};
  private readonly runtime: RuntimeDiagnostics;
  private readonly reports: HostReports;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.runtime = new RuntimeDiagnostics(options.diagnostics);
    this.reports = new HostReports({ ...options, runtime: this.runtime });
    this.pool = new HostPool(
      {
        limits: options.limits,
        memoryMb: options.memoryMb,
        logger: options.logger,
        ...(options.inspector ? { inspector: options.inspector } : {}),
        onNotice: (host, notice) => this.onNotice(host, notice),
        onCrash: (host, crash) => this.onCrash(host, crash),
      },
      options.workerPath,
    );
  }

  async load(
    descriptor: PluginDescriptor,
    bundle: PluginBundle,
    number: number,
  ): Promise<RemoteGeneration> {
    const host = this.pool.hostFor(descriptor);
    // A host started since the editor pushed its state has not heard it.
    if (Object.keys(this.editorState).length > 0)
      host.post({ op: 'editorState', state: this.editorState });
    // A host with a generation of the plugin keeps its latest state already (for getPluginState
    // in activate); the snapshot crosses the thread only for a first load there.
    const plugin = this.options.plugins.get(descriptor.id);
    const known = (plugin?.generations.in(host).length ?? 0) > 0;
    const snapshot = known ? undefined : this.options.snapshots.get(descriptor.id);
    const state = snapshot && { value: snapshot.value, stateVersion: snapshot.stateVersion };
    const slot = this.nextSlot++;
    // Known before the load starts, so that a plugin stuck while loading can be named.
    plugin?.generations.beginLoad(slot);
    const loaded = await RemoteGeneration.load(host, {
      slot,
      descriptor,
      bundle,
      number,
      state,
      limits: this.options.limits,
      onUnload: (gone) => {
        plugin?.generations.remove(gone);
        this.runtime.forget(gone.key);
      },
      awaitsEditor: () => plugin?.gate.awaitsEditor ?? false,
    });
    plugin?.generations.add(loaded);
    this.runtime.track(loaded.key, descriptor.id);
    return loaded;
  }

  /** Each live host's memory and the plugins running in it (HostPool.memory). */
  memory(): Promise<HostMemoryReport[]> {
    return this.pool.memory((host) => this.pluginsIn(host));
  }

  /** The hosts a debugger can open: worker threads, and process hosts' own inspectors. */
  debugTargets(): DebugTargets {
    const pluginsIn = (host: PluginHost) => this.pluginsIn(host);
    return {
      workers: this.pool.workerThreads(pluginsIn),
      processes: this.pool.processInspectors(pluginsIn),
    };
  }

  private pluginsIn(host: PluginHost): string[] {
    return [...this.options.plugins.all()].flatMap((plugin) =>
      plugin.generations.in(host).map(() => plugin.id),
    );
  }

  /** Starts the shared plugin host now, so that the first plugin does not wait for it. */
  warmUp(): void {
    this.pool.hostFor({ id: '', isolation: 'shared' });
  }

  /** An event of one of the plugin's handles, to its running generation only. */
  emitEventTo(pluginId: string, event: string, data: unknown): void {
    // The newest: mid-swap, the generation coming in is the one that made the handle.
    const host = this.options.plugins.get(pluginId)?.generations.newest()?.host;
    host?.post({ op: 'event', event, data, toPluginId: pluginId });
  }

  /** What the editor pushed, merged into what it pushed before, to every host. */
  pushEditorState(state: Record<string, unknown>): void {
    this.editorState = { ...this.editorState, ...state };
    this.pool.broadcast({ op: 'editorState', state: this.editorState });
  }

  /** An editor event (or a plugin's, from `fromPluginId`), to every host but `except`. */
  emitEvent(event: string, data: unknown, except?: PluginHost, fromPluginId?: string): void {
    this.pool.broadcast(
      { op: 'event', event, data, ...(fromPluginId ? { fromPluginId } : {}) },
      except,
    );
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
  }

  private onNotice(host: PluginHost, notice: HostInitiated): void {
    // A host's plugin code can reach the real process, and so post anything: a process host
    // speaks for its one plugin only, or is not heard.
    const stranger = host.plugin && pluginsNamed(notice).find((id) => id !== host.plugin);
    if (stranger) {
      this.options.logger.warn(
        { host: host.name, op: notice.op, plugin: stranger },
        `plugin host ${host.name} sent "${notice.op}" for plugin "${stranger}", which it does not run: ignored`,
      );
      return;
    }
    if (isHostReport(notice)) {
      this.reports.record(host.name, notice);
      return;
    }
    const { plugins, logger, routes, calls } = this.options;
    switch (notice.op) {
      case 'commandRegistered': {
        const { name, pluginId, key, arity } = notice;
        const owner = routes.register(name, { pluginId, key, arity });
        if (owner === undefined) this.shareCommandNames();
        else
          this.runtime.add(key, {
            pluginId,
            severity: 'warning',
            code: DiagnosticCodes.RuntimeError,
            message: `command "${name}" is already registered by plugin "${owner}" (in another host); calls go there`,
          });
        return;
      }
      case 'commandDisposed':
        if (routes.dispose(notice.name, notice.key)) this.shareCommandNames();
        return;
      case 'emit':
        this.emitEvent(notice.event, notice.data, host, notice.fromPluginId);
        return;
      case 'callbackError': {
        logger.warn({ plugin: notice.pluginId, generation: notice.generation }, notice.message);
        if (!this.runtime.has(notice.key)) return; // from a generation already unloaded
        const code = notice.timedOut ? DiagnosticCodes.Timeout : DiagnosticCodes.RuntimeError;
        const diagnostic = diagnosticAt(
          notice.pluginId,
          'error',
          code,
          notice.message,
          notice.location,
        );
        if (notice.timedOut && plugins.get(notice.pluginId))
          this.emit('watchdogStopped', notice.pluginId, diagnostic);
        else this.runtime.add(notice.key, diagnostic);
        return;
      }
      case 'callCommand':
        host.answer(
          notice,
          calls.executeCommand(notice.name, notice.args, { callerId: notice.fromPluginId }),
        );
        return;
      case 'callApi':
        host.answer(
          notice,
          calls.callApi(notice.target, notice.method, notice.args, notice.fromPluginId),
        );
        return;
      case 'callEditor':
        host.answer(notice, calls.callEditor(notice.pluginId, notice.method, notice.args));
        return;
      case 'callStorage':
        // Its own storage: no permission needed (a process host's notices name only its plugin).
        host.answer(notice, this.options.storage.call(notice.pluginId, notice.call));
        return;
    }
  }

  /** Every host learns every command name, so `ctx.commands.list()` stays synchronous and whole. */
  private shareCommandNames(): void {
    this.pool.shareCommandNames(() => this.options.routes.names());
  }

  /**
   * A host died: whatever its generations had registered or reported goes with them, and the
   * reload side is told who was running (it fails that plugin and brings the others back).
   */
  private onCrash(host: PluginHost, crash: HostCrash): void {
    const plugins = [...this.options.plugins.all()];
    const dead = plugins.flatMap((plugin) => plugin.generations.in(host));
    // A stuck host's stack names the plugin best; failing that, the last one that entered its
    // code. A process host holds one plugin: it is that one.
    const stuck = crash.stack ? innermost(crash.stack, dead) : undefined;
    const culpritId =
      stuck?.pluginId ??
      plugins.find((plugin) => plugin.generations.ranUnder(crash.runningSlot))?.id ??
      (host.kind === HostKind.Process ? dead[0]?.descriptor.id : undefined);
    this.options.logger.error(
      { host: host.name, culprit: culpritId, reason: crash.reason },
      `plugin host ${crash.message}`,
    );
    const keys = new Set(dead.map((g) => g.key));
    this.options.routes.forget(keys);
    for (const generation of dead) {
      this.options.plugins.get(generation.descriptor.id)?.generations.remove(generation);
      this.runtime.forget(generation.key);
    }
    this.emit(
      'hostCrashed',
      host,
      stuck && stuck.pluginId === culpritId ? { ...crash, stuckIn: stuck.frames } : crash,
      culpritId,
    );
  }
}

/** The plugins a host's notice speaks for: those it names, and whose generation its key is. */
function pluginsNamed(notice: HostInitiated): string[] {
  const fields = notice as { pluginId?: unknown; fromPluginId?: unknown; key?: unknown };
  const named = [fields.pluginId, fields.fromPluginId];
  // A generation's key is "<plugin>#<number>.<slot>" (RemoteGeneration).
  if (typeof fields.key === 'string') named.push(fields.key.slice(0, fields.key.lastIndexOf('#')));
  return named.filter((id): id is string => typeof id === 'string');
}
