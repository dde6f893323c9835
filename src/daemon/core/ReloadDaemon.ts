import { performance } from 'node:perf_hooks';
import {
  type DaemonMemory,
  type Diagnostic,
  DiagnosticCodes,
  EditorLifecycleEvents,
  EditorStateCall,
  ErrorCodes,
  type PluginProfile,
  PluginStatus,
  type ProgressToken,
  ReloaddErrorCodes,
  type ReloadResult,
  ReloadTrigger,
  type RequestedBy,
  type ResultOf,
} from '../../protocol/index.js';
import type { PluginBuilder } from '../building/PluginBuilder.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import { profileGeneration } from '../hosts/cpuProfile.js';
import type { HostSupervisor } from '../hosts/HostSupervisor.js';
import type { PluginCalls } from '../hosts/PluginCalls.js';
import type { Logger } from '../logs/logger.js';
import type { PluginCatalog } from '../plugins/PluginCatalog.js';
import { discoverPlugins } from '../plugins/pluginFolder.js';
import { refusedReload } from '../reloading/PluginReloader.js';
import type { PluginRunner } from '../reloading/PluginRunner.js';
import type { FileChange } from '../reloading/planReload.js';
import type { ReloadStats } from '../reloading/ReloadStats.js';
import type { PluginStorage } from '../state/PluginStorage.js';
import type { SnapshotStore, StateNotWritten } from '../state/SnapshotStore.js';
import type { Broadcaster } from '../toClients/Broadcaster.js';
import type { EditorBridge } from '../toClients/EditorBridge.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import type { WorkProgress } from '../toClients/WorkProgress.js';
import type { TypeChecks } from '../typechecking/TypeChecks.js';
import type { FileChangePipeline } from '../watching/FileChangePipeline.js';
import type { PluginWatcher } from '../watching/PluginWatcher.js';
import { StateRequests } from './StateRequests.js';

/**
 * How long the daemon waits for the editor's state before plugins' `beforeExit`: an editor that
 * is exiting may not answer, and a stop must not wait on it (serve's stop has 5 s in all).
 */
export const EDITOR_STATE_LIMIT_MS = 1000;

/** How a stop went: the plugins whose last state (or storage) could not be written (lost with the process). */
export interface StopReport {
  statesNotWritten: StateNotWritten[];
}

/** The parts the core is made of, as createDaemon.ts builds them. */
export interface DaemonParts {
  pluginsDir: string;
  version: string;
  logger: Logger;
  clients: Broadcaster;
  work: WorkProgress;
  editors: EditorBridge;
  snapshots: SnapshotStore;
  storage: PluginStorage;
  diagnostics: DiagnosticsStore;
  catalog: PluginCatalog;
  hosts: HostSupervisor;
  calls: PluginCalls;
  runner: PluginRunner;
  builder: PluginBuilder;
  stats: ReloadStats;
  changes: FileChangePipeline;
  /** Absent when the core runs without watching the plugins folder. */
  watcher?: PluginWatcher;
  /** Absent when TypeScript plugins are not type-checked (`--no-typecheck`). */
  typeChecks?: TypeChecks;
}

/**
 * The daemon core, as clients see it: one method per protocol request. It never sees a
 * transport; the session handlers (sessions/handlers) call these methods.
 */
export class ReloadDaemon {
  private readonly startedAt = performance.now();
  private readonly startedAtIso = new Date().toISOString();
  private stopping: Promise<StopReport> | undefined;
  /** start() began: requests wait for its reading of the plugins folder (`discovered`). */
  private starting = false;
  private prepared: Promise<void> | undefined;
  private markDiscovered!: () => void;
  private readonly discovered = new Promise<void>((resolve) => {
    this.markDiscovered = resolve;
  });

  /** Every client, told of every notification: a client joins once `initialize` is answered. */
  readonly clients: Broadcaster;
  /** The editors that plugins' editor calls go to: a client that declared itself one. */
  readonly editors: EditorBridge;
  /** Every plugin the daemon knows, as `plugin/list` shows them. */
  readonly plugins: PluginCatalog;
  /** Calls into plugins: `plugin/executeCommand`, and the commands each registered. */
  readonly calls: PluginCalls;
  /** The requests about a plugin's state: `plugin/getState`, `plugin/restoreSnapshot`. */
  readonly states: StateRequests;
  /** The daemon's work in flight, which a client may cancel. */
  readonly work: WorkProgress;
  /** The plugin hosts: what the editor pushes reaches each, and a debugger opens them. */
  readonly hosts: HostSupervisor;
  /** File changes: whether they reload (`daemon/setHotReload`). */
  readonly changes: FileChangePipeline;

  constructor(private readonly parts: DaemonParts) {
    this.clients = parts.clients;
    this.editors = parts.editors;
    this.plugins = parts.catalog;
    this.calls = parts.calls;
    this.states = new StateRequests(parts);
    this.work = parts.work;
    this.hosts = parts.hosts;
    this.changes = parts.changes;
  }

  /**
   * What can be done before any plugin loads: the plugin host starts, saved state is read, the
   * folder is watched and its plugins found. An editor's daemon does this while the editor is
   * still in the LSP handshake; `start` waits for it. Nothing is built, loaded or sent.
   */
  prepare(): Promise<void> {
    this.prepared ??= this.readFolder();
    return this.prepared;
  }

  /**
   * Prepares (if not yet), then loads every plugin, dependencies first. Nothing a client sees
   * happens before this: files that changed since the folder was read are read again now, and
   * from now on a change reloads.
   */
  async start(): Promise<void> {
    const { catalog, runner, logger, changes } = this.parts;
    await this.prepare();
    await changes.open();
    // First loads, dependencies first. Plugins that depend on them come along (trigger
    // "dependency"): one that failed for want of a plugin that has just appeared loads now.
    await runner.reload(
      catalog
        .all()
        .filter((r) => !r.invalid)
        .map((r) => r.id),
      ReloadTrigger.Startup,
      { progress: { title: 'Loading plugins' } },
    );
    const { active, total } = this.status().plugins;
    const ms = Math.round(performance.now() - this.startedAt);
    logger.info({ active, total, ms }, `ready: ${active} of ${total} plugins active in ${ms} ms`);
  }

  private async readFolder(): Promise<void> {
    const { snapshots, storage, diagnostics, watcher, catalog, hosts, builder } = this.parts;
    this.starting = true;
    // Starting a worker, and esbuild's service, takes tens of milliseconds each: let them start
    // while the rest is read.
    hosts.warmUp();
    builder.warmUp();
    try {
      const unreadable = [...(await snapshots.loadAll()), ...(await storage.loadAll())];
      for (const problem of unreadable) {
        diagnostics.add(DiagnosticSource.Snapshot, {
          pluginId: problem.pluginId,
          severity: 'warning',
          code: DiagnosticCodes.SnapshotCorrupt,
          message: problem.message,
          file: problem.file,
        });
      }
      await watcher?.start();
      const notListed = (name: string, why: string) => this.parts.logger.info({ entry: name }, why);
      for (const entry of await discoverPlugins(this.parts.pluginsDir, notListed))
        catalog.add(entry);
      // Never silence: a plugin that will not run says why in the log as well as in its list entry.
      for (const record of catalog.all().filter((r) => r.invalid))
        this.parts.logger.warn(
          { plugin: record.id, code: record.invalid?.code },
          `plugin "${record.id}" is not run: ${record.invalid?.message}`,
        );
      this.parts.logger.debug({ plugins: catalog.all().length }, 'plugins folder read and watched');
    } finally {
      // Whatever happened, nobody waits on discovery any longer than this.
      this.markDiscovered();
    }
  }

  /** `plugin/reload`: the named plugins (or all), plus whatever depends on them. */
  async reload(
    ids: string[] | 'all',
    isCancelled: () => boolean = () => false,
    requestedBy?: RequestedBy,
    workDoneToken?: ProgressToken,
  ): Promise<ReloadResult[]> {
    // A client that connects while the daemon starts (CI: `serve &` then `reload --all`) means
    // the plugins in the folder, not the ones found so far. Before start (an editor that has not
    // sent `initialized`), there is nothing to wait for: what is known is what there is.
    if (this.starting) await this.discovered;
    const { catalog, runner } = this.parts;
    const wanted = ids === 'all' ? catalog.all().map((r) => r.id) : ids;
    for (const id of wanted) catalog.require(id);
    return runner.reload(wanted, ReloadTrigger.Request, {
      isCancelled,
      ...(requestedBy ? { requestedBy } : {}),
      progress: {
        title: ids === 'all' ? 'Reloading all plugins' : 'Reloading plugins',
        cancellable: true,
        ...(workDoneToken !== undefined ? { workDoneToken } : {}),
      },
    });
  }

  getDiagnostics(id?: string): Diagnostic[] {
    const { catalog, diagnostics } = this.parts;
    if (id === undefined) return diagnostics.all();
    catalog.require(id);
    return diagnostics.get(id);
  }

  /** `plugin/profile`: a CPU profile of the plugin's host while it runs. */
  async profile(id: string, durationMs: number): Promise<ResultOf<typeof PluginProfile>> {
    const generation = this.parts.catalog.require(id).generation;
    if (!generation)
      throw RequestFailure.commandFailed(
        `plugin "${id}" is not active: there is nothing to profile`,
      );
    return { id, durationMs, ...(await profileGeneration(generation, durationMs)) };
  }

  /** The events the plugin's running generation listens to, by name (none when it is not running). */
  async eventsOf(id: string): Promise<string[]> {
    return (await this.parts.catalog.require(id).generation?.listening()) ?? [];
  }

  /** What the checks of the plugin's unloaded generations found, once `count` are in. */
  unloadChecks(id: string, count: number, timeoutMs: number) {
    return this.parts.catalog.require(id).unloadChecks.waitFor(count, timeoutMs);
  }

  /**
   * `editor/event`: to every plugin listening for it, in whichever host it runs; with `pluginId`,
   * to that plugin only. `editor:exiting` also runs the running generations' `beforeExit`, with
   * the state the event carries, if any.
   */
  emitEvent(event: string, data: unknown, pluginId?: string): void {
    if (pluginId) this.parts.hosts.emitEventTo(pluginId, event, data);
    else this.parts.hosts.emitEvent(event, data);
    if (event === EditorLifecycleEvents.Exiting)
      this.beforeExit(data ?? undefined).catch((error: unknown) =>
        this.parts.logger.error({ err: error }, 'beforeExit failed'),
      );
  }

  /**
   * The Red editor's `beforeExit(red, editorState)` of every running generation that exports it
   * and has not run it (once per generation), each in its plugin's turn. `editorState` is what
   * the exiting editor sent; without it, the editor is asked (`getEditorState`, for at most
   * EDITOR_STATE_LIMIT_MS), and null is given when none answers. Failures are diagnostics.
   */
  async beforeExit(editorState?: unknown): Promise<void> {
    const { catalog, runner } = this.parts;
    const due = catalog.all().filter((record) => record.generation?.owesBeforeExit);
    if (due.length === 0) return;
    const state = editorState === undefined ? await this.editorState() : editorState;
    await Promise.all(due.map((record) => runner.beforeExit(record, state)));
  }

  /** The editor's state snapshot, from the editor connected now; null when none gives it. */
  private async editorState(): Promise<unknown> {
    const { editors, logger } = this.parts;
    try {
      return (
        (await editors.call('', EditorStateCall, [], {
          limitMs: EDITOR_STATE_LIMIT_MS,
          now: true,
        })) ?? null
      );
    } catch (error) {
      logger.debug({ err: error }, 'no editor state for beforeExit: plugins get null');
      return null;
    }
  }

  /**
   * `textDocument/didSave`, `workspace/didChangeWatchedFiles`: the editor says it wrote these
   * files. The watcher takes it as a change seen early, and its own event for the same write is
   * then no change at all; without a watcher, the changes apply as they are.
   */
  filesSaved(changes: FileChange[]): void {
    const { watcher, changes: pipeline, logger } = this.parts;
    if (!watcher) pipeline.onFileChanges(changes, performance.now());
    else
      watcher
        .hint(changes)
        .catch((error: unknown) => logger.warn({ err: error }, 'a save hint failed'));
  }

  get pluginsDir(): string {
    return this.parts.pluginsDir;
  }

  async enable(id: string, requestedBy?: RequestedBy): Promise<ReloadResult> {
    const record = this.parts.catalog.require(id);
    if (record.status === PluginStatus.Active || record.status === PluginStatus.Loading) {
      return { id, ok: true, generation: record.generationNumber, durationMs: 0 };
    }
    if (record.invalid)
      return refusedReload(
        id,
        record.generationNumber,
        record.invalid.code,
        record.invalid.message,
      );
    // Disabled or failed: load it, and retry what depends on it.
    record.beginEnable();
    const results = await this.parts.runner.reload([id], ReloadTrigger.Request, {
      ...(requestedBy ? { requestedBy } : {}),
    });
    return results.find((r) => r.id === id) as ReloadResult;
  }

  /** Returns the status the plugin ended in: `disabled`, or `failed` when its deactivate hung. */
  async disable(id: string): Promise<'disabled' | 'failed'> {
    const record = this.parts.catalog.require(id);
    if (!record.descriptor.supportsDisable) {
      throw new RequestFailure(
        ErrorCodes.NotSupported,
        ReloaddErrorCodes.DisableNotSupported,
        `plugin "${id}" cannot be disabled (capabilities.supportsDisable is false)`,
      );
    }
    if (record.status === PluginStatus.Disabled) return PluginStatus.Disabled;
    await this.parts.runner.stop(record, PluginStatus.Disabled);
    // Disabled, or failed when its deactivate hung.
    record.announceStatus();
    return record.status === PluginStatus.Failed ? PluginStatus.Failed : PluginStatus.Disabled;
  }

  status() {
    const { catalog, clients, changes, stats } = this.parts;
    const records = catalog.all();
    const count = (status: PluginStatus) => records.filter((r) => r.status === status).length;
    return {
      version: this.parts.version,
      pid: process.pid,
      startedAt: this.startedAtIso,
      uptimeMs: Math.round(performance.now() - this.startedAt),
      pluginsDir: this.parts.pluginsDir,
      clients: clients.list(),
      hotReload: changes.hotReloadEnabled,
      heldChanges: changes.heldFiles,
      debounceMs: this.parts.watcher?.debounceMs ?? 0,
      pollMs: this.parts.watcher?.pollMs ?? null,
      typecheck: this.parts.typeChecks?.state ?? ('off' as const),
      plugins: {
        total: records.length,
        loading: count(PluginStatus.Loading),
        active: count(PluginStatus.Active),
        failed: count(PluginStatus.Failed),
        disabled: count(PluginStatus.Disabled),
      },
      reloads: stats.summary(),
      slowestActivations: catalog.slowestActivations(5),
    };
  }

  /** The process's memory and each plugin host's (for daemon/status). */
  async memory(): Promise<DaemonMemory> {
    const { rss, heapUsed } = process.memoryUsage();
    return { rssBytes: rss, heapUsedBytes: heapUsed, hosts: await this.parts.hosts.memory() };
  }

  /**
   * Stops watching, runs every running generation's beforeExit (those that have not), saves every
   * plugin's state, deactivates them all, and writes snapshots; says which states could not be
   * written (they are logged as lost). A second call gets the first's.
   */
  shutdown(): Promise<StopReport> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<StopReport> {
    const { watcher, changes, catalog, runner, hosts, snapshots, storage, builder } = this.parts;
    await watcher?.close();
    await changes.close();
    await this.parts.typeChecks?.close();
    // Before deactivate, as the Red editor's runtime does: what beforeExit saves (its storage,
    // its state) is then written by the stop like the rest.
    await this.beforeExit().catch((error: unknown) =>
      this.parts.logger.error({ err: error }, 'beforeExit failed; stopping all the same'),
    );
    await Promise.all(catalog.all().map((record) => runner.stop(record, record.status, false)));
    await hosts.close();
    await builder.close();
    const statesNotWritten = [...(await snapshots.flush()), ...(await storage.flush())];
    snapshots.close();
    storage.close();
    return { statesNotWritten };
  }
}
