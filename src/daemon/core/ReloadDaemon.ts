import { performance } from 'node:perf_hooks';
import {
  type Diagnostic,
  DiagnosticCodes,
  DidChangeStatus,
  ErrorCodes,
  type PluginInfo,
  PluginStatus,
  PublishDiagnostics,
  ReloaddErrorCodes,
  type ReloadResult,
  ReloadTrigger,
} from '../../protocol/index.js';
import { Broadcaster } from '../clientChannels/Broadcaster.js';
import { EditorBridge } from '../clientChannels/EditorBridge.js';
import { ReloaddError } from '../clientChannels/ReloaddError.js';
import type { HostLimits } from '../crossing/hostMessages.js';
import { toJsonValue } from '../crossing/stateTransfer.js';
import { DiagnosticSource, DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import type { Logger } from '../logs/logger.js';
import { PluginCatalog } from '../plugins/PluginCatalog.js';
import type { PluginRecord } from '../plugins/PluginRecord.js';
import { discoverPlugins } from '../plugins/pluginFolder.js';
import { PluginRunner } from '../reloading/PluginRunner.js';
import { planReload } from '../reloading/planReload.js';
import { SnapshotStore } from '../state/SnapshotStore.js';
import { FileChangePipeline } from '../watching/FileChangePipeline.js';
import { PluginWatcher } from '../watching/PluginWatcher.js';

export interface DaemonOptions {
  pluginsDir: string;
  stateDir?: string;
  debounceMs: number;
  hotReload: boolean;
  logger: Logger;
  version: string;
  /** Time limits of plugin code (the watchdog). */
  limits: HostLimits;
  /** Heap cap of each plugin host, in MB. */
  hostMemoryMb: number;
  /** Longest a plugin's editor call waits (for an editor to connect, and for its answer). */
  editorCallTimeoutMs: number;
  /** The host worker's script; tests running from sources point it at the built one. */
  hostWorkerPath?: URL;
}

/**
 * The daemon core, as clients see it: one method per protocol request, and the file-change
 * pipeline (changed files → plugins → dependency order → reloads). It never sees a transport;
 * rpcServer.ts binds the protocol to these methods.
 */
export class ReloadDaemon {
  readonly clients: Broadcaster;
  readonly editors: EditorBridge;
  private readonly catalog: PluginCatalog;
  private readonly runner: PluginRunner;
  private readonly snapshots: SnapshotStore;
  private readonly diagnostics: DiagnosticsStore;
  private readonly watcher: PluginWatcher;
  private readonly logger: Logger;
  private readonly startedAt = performance.now();
  private readonly startedAtIso = new Date().toISOString();
  private readonly changes: FileChangePipeline;
  private stopped = false;
  /** start() began: requests wait for its reading of the plugins folder (`discovered`). */
  private starting = false;
  private markDiscovered!: () => void;
  private readonly discovered = new Promise<void>((resolve) => {
    this.markDiscovered = resolve;
  });

  constructor(private readonly options: DaemonOptions) {
    this.logger = options.logger;
    this.clients = new Broadcaster(this.logger);
    this.editors = new EditorBridge(options.editorCallTimeoutMs, this.logger);
    this.snapshots = new SnapshotStore(options.stateDir, this.logger);
    this.diagnostics = new DiagnosticsStore((pluginId, diagnostics) =>
      this.clients.notify(PublishDiagnostics, { pluginId, diagnostics }),
    );
    this.catalog = new PluginCatalog(options.pluginsDir, this.diagnostics, this.snapshots);
    this.watcher = new PluginWatcher({
      pluginsDir: options.pluginsDir,
      debounceMs: options.debounceMs,
      logger: this.logger,
      onChanges: (changes, detectedAt) => this.changes.onFileChanges(changes, detectedAt),
    });
    this.runner = new PluginRunner({
      catalog: this.catalog,
      diagnostics: this.diagnostics,
      snapshots: this.snapshots,
      clients: this.clients,
      logger: this.logger,
      pluginsDir: options.pluginsDir,
      onInputsChanged: () => this.watcher.watchExternal(this.catalog.externalInputs()),
      limits: options.limits,
      hostMemoryMb: options.hostMemoryMb,
      editors: this.editors,
      ...(options.hostWorkerPath ? { hostWorkerPath: options.hostWorkerPath } : {}),
    });
    this.changes = new FileChangePipeline(
      {
        pluginsDir: options.pluginsDir,
        catalog: this.catalog,
        runner: this.runner,
        diagnostics: this.diagnostics,
        clients: this.clients,
        logger: this.logger,
        load: (ids) => this.load(ids),
        stop: (record, status, report) => this.stop(record, status, report),
        tellStatus: (record, status) => this.tellStatus(record, status),
      },
      options.hotReload,
    );
  }

  /** Reads saved state, starts watching, then loads every plugin, dependencies first. */
  async start(): Promise<void> {
    this.starting = true;
    try {
      for (const problem of await this.snapshots.loadAll()) {
        this.diagnostics.add(DiagnosticSource.Snapshot, {
          pluginId: problem.pluginId,
          severity: 'warning',
          code: DiagnosticCodes.SnapshotCorrupt,
          message: problem.message,
          file: problem.file,
        });
      }
      await this.watcher.start();
      for (const entry of await discoverPlugins(this.options.pluginsDir)) this.catalog.add(entry);
    } finally {
      // Whatever happened, nobody waits on discovery any longer than this.
      this.markDiscovered();
    }
    await this.load(
      this.catalog
        .all()
        .filter((r) => !r.invalid)
        .map((r) => r.descriptor.id),
    );
    const { active, total } = this.status().plugins;
    const ms = Math.round(performance.now() - this.startedAt);
    this.logger.info(
      { active, total, ms },
      `ready: ${active} of ${total} plugins active in ${ms} ms`,
    );
  }

  listPlugins(): PluginInfo[] {
    return this.catalog.list();
  }

  /** `plugin/reload`: the named plugins (or all), plus whatever depends on them. */
  async reload(
    ids: string[] | 'all',
    isCancelled: () => boolean = () => false,
  ): Promise<ReloadResult[]> {
    // A client that connects while the daemon starts (CI: `serve &` then `reload --all`) means
    // the plugins in the folder, not the ones found so far. Before start (an editor that has not
    // sent `initialized`), there is nothing to wait for: what is known is what there is.
    if (this.starting) await this.discovered;
    const wanted = ids === 'all' ? this.catalog.all().map((r) => r.descriptor.id) : ids;
    for (const id of wanted) this.catalog.require(id);
    const plan = planReload(
      new Map(wanted.map((id) => [id, undefined])),
      ReloadTrigger.Request,
      this.catalog.planPlugins(),
    );
    return this.runner.runPlan(plan, isCancelled);
  }

  /** `plugin/getState`: takes a fresh snapshot from the running generation first, if it can. */
  async getState(
    id: string,
  ): Promise<{ id: string; generation: number; state: unknown; savedAt: string | null }> {
    const record = this.catalog.get(id);
    if (!record && !this.snapshots.get(id)) throw ReloaddError.unknownPlugin(id);
    const generation = record?.generation;
    if (record && generation?.hasSaveState) {
      await this.runner.scheduler.exclusive(id, async () => {
        if (record.generation !== generation) return;
        try {
          this.runner.storeState(id, await generation.saveState(), generation);
        } catch (error) {
          this.logger.warn(
            { plugin: id, err: error },
            'saveState failed; showing the last snapshot',
          );
        }
      });
    }
    const snapshot = this.snapshots.get(id);
    return {
      id,
      generation: record?.generationNumber ?? snapshot?.generation ?? 0,
      state: snapshot ? (toJsonValue(snapshot.value) ?? null) : null,
      savedAt: snapshot ? snapshot.savedAt.toISOString() : null,
    };
  }

  getDiagnostics(id?: string): Diagnostic[] {
    if (id === undefined) return this.diagnostics.all();
    this.catalog.require(id);
    return this.diagnostics.get(id);
  }

  executeCommand(command: string, args: unknown[]): Promise<unknown> {
    return this.runner.executeCommand(command, args);
  }

  /** `editor/event`: to every plugin listening for it, in whichever host it runs. */
  emitEvent(event: string, data: unknown): void {
    this.runner.hosts.emit(event, data);
  }

  async enable(id: string): Promise<ReloadResult> {
    const record = this.catalog.require(id);
    if (record.status === PluginStatus.Active || record.status === PluginStatus.Loading) {
      return { id, ok: true, generation: record.generationNumber, durationMs: 0 };
    }
    if (record.invalid) {
      return {
        id,
        ok: false,
        generation: record.generationNumber,
        durationMs: 0,
        error: { code: record.invalid.code, message: record.invalid.message },
      };
    }
    // Disabled or failed: load it, and retry what depends on it.
    if (record.status === PluginStatus.Disabled) record.status = PluginStatus.Loading;
    const plan = planReload(
      new Map([[id, undefined]]),
      ReloadTrigger.Request,
      this.catalog.planPlugins(),
    );
    const results = await this.runner.runPlan(plan);
    return results.find((r) => r.id === id) as ReloadResult;
  }

  /** Returns the status the plugin ended in: `disabled`, or `failed` when its deactivate hung. */
  async disable(id: string): Promise<'disabled' | 'failed'> {
    const record = this.catalog.require(id);
    if (!record.descriptor.supportsDisable) {
      throw new ReloaddError(
        ErrorCodes.NotSupported,
        ReloaddErrorCodes.DisableNotSupported,
        `plugin "${id}" cannot be disabled (capabilities.supportsDisable is false)`,
      );
    }
    if (record.status === PluginStatus.Disabled) return PluginStatus.Disabled;
    await this.stop(record, PluginStatus.Disabled);
    const ended =
      record.status === PluginStatus.Failed ? PluginStatus.Failed : PluginStatus.Disabled;
    this.tellStatus(record, ended);
    return ended;
  }

  status() {
    const records = this.catalog.all();
    const count = (status: PluginStatus) => records.filter((r) => r.status === status).length;
    return {
      version: this.options.version,
      pid: process.pid,
      startedAt: this.startedAtIso,
      uptimeMs: Math.round(performance.now() - this.startedAt),
      pluginsDir: this.options.pluginsDir,
      clients: this.clients.list(),
      hotReload: this.changes.hotReloadEnabled,
      heldChanges: this.changes.heldFiles,
      plugins: {
        total: records.length,
        loading: count(PluginStatus.Loading),
        active: count(PluginStatus.Active),
        failed: count(PluginStatus.Failed),
        disabled: count(PluginStatus.Disabled),
      },
      reloads: this.runner.stats.summary(),
    };
  }

  setHotReload(enabled: boolean): boolean {
    return this.changes.setHotReload(enabled);
  }

  /** Stops watching, saves every plugin's state, deactivates them all, and writes snapshots. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.watcher.close();
    await this.changes.close();
    await Promise.all(this.catalog.all().map((record) => this.stop(record, record.status, false)));
    await this.runner.hosts.close();
    await this.snapshots.flush();
  }

  /**
   * First loads, dependencies first. Plugins that depend on them come along (trigger
   * "dependency"): one that failed for want of a plugin that has just appeared loads now.
   */
  private load(ids: string[]): Promise<ReloadResult[]> {
    const requested = new Map(ids.map((id) => [id, undefined]));
    return this.runner.runPlan(
      planReload(requested, ReloadTrigger.Startup, this.catalog.planPlugins()),
    );
  }

  /** Saves state and unloads a plugin's generation, in its turn after any reload under way. */
  private stop(record: PluginRecord, status: PluginStatus, report = true): Promise<void> {
    return this.runner.scheduler.exclusive(record.descriptor.id, () =>
      this.runner.stopGeneration(record, status, report),
    );
  }

  private tellStatus(record: PluginRecord, status: PluginStatus | 'removed'): void {
    this.clients.notify(DidChangeStatus, {
      id: record.descriptor.id,
      status,
      generation: record.generationNumber,
    });
  }
}
