import path from 'node:path';
import { performance } from 'node:perf_hooks';
import semver from 'semver';
import {
  type Diagnostic,
  DiagnosticCodes,
  DidReload,
  ErrorCodes,
  type PluginInfo,
  PluginStatus,
  PublishDiagnostics,
  ReloaddErrorCodes,
  type ReloadResult,
  ReloadTrigger,
} from '../protocol/index.js';
import { Broadcaster } from './Broadcaster.js';
import { CommandRegistry } from './CommandRegistry.js';
import { DiagnosticsStore } from './DiagnosticsStore.js';
import {
  type DiscoveredEntry,
  discoverPlugins,
  type PluginDescriptor,
  readPluginEntry,
} from './discovery.js';
import { EventBus } from './EventBus.js';
import type { Logger } from './logger.js';
import { PluginBuilder } from './PluginBuilder.js';
import type { GenerationServices, PluginGeneration } from './PluginGeneration.js';
import type { PluginRecord } from './PluginRecord.js';
import { PluginWatcher } from './PluginWatcher.js';
import {
  type FileChange,
  impactOfChanges,
  type PlanPlugin,
  planReload,
  type ReloadPlan,
} from './planReload.js';
import { ReloaddError } from './ReloaddError.js';
import { type ReloadJob, ReloadScheduler, SUPERSEDED } from './ReloadScheduler.js';
import { ReloadStats } from './ReloadStats.js';
import {
  ReloadTransaction,
  type TransactionDeps,
  type TransactionOutcome,
} from './ReloadTransaction.js';
import { SnapshotStore } from './SnapshotStore.js';
import { describeThrown, locateInBundle } from './sourceLocation.js';
import { extractState, toJsonValue } from './stateTransfer.js';

export interface DaemonOptions {
  pluginsDir: string;
  stateDir?: string;
  debounceMs: number;
  hotReload: boolean;
  logger: Logger;
  version: string;
}

/**
 * The daemon core: plugins, their generations and state, the watcher, and what clients are told.
 * It never sees a transport; rpcServer.ts binds the protocol to these methods.
 */
export class ReloadDaemon {
  readonly clients: Broadcaster;
  private readonly records = new Map<string, PluginRecord>();
  private readonly builder = new PluginBuilder();
  private readonly commands = new CommandRegistry();
  private readonly events = new EventBus();
  private readonly snapshots: SnapshotStore;
  private readonly diagnostics: DiagnosticsStore;
  private readonly stats = new ReloadStats();
  private readonly scheduler: ReloadScheduler<ReloadResult>;
  private readonly watcher: PluginWatcher;
  private readonly logger: Logger;
  private readonly startedAt = performance.now();
  private hotReload: boolean;
  /** Changes seen while hot reload was off, applied when it is switched back on. */
  private heldChanges: FileChange[] = [];
  /** Change batches are applied one after another, so discovery never races itself. */
  private changeChain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly transactionDeps: TransactionDeps;

  constructor(private readonly options: DaemonOptions) {
    this.logger = options.logger;
    this.hotReload = options.hotReload;
    this.clients = new Broadcaster(this.logger);
    this.snapshots = new SnapshotStore(options.stateDir, this.logger);
    this.diagnostics = new DiagnosticsStore((pluginId, diagnostics) =>
      this.clients.notify(PublishDiagnostics, { pluginId, diagnostics }),
    );
    this.scheduler = new ReloadScheduler(
      (id, job, isStale) => this.runReload(id, job, isStale),
      (error) => this.logger.error({ err: error }, 'reload crashed'),
    );
    this.transactionDeps = {
      builder: this.builder,
      snapshots: this.snapshots,
      services: (record) => this.servicesFor(record),
      logger: this.logger,
    };
    this.watcher = new PluginWatcher({
      pluginsDir: options.pluginsDir,
      debounceMs: options.debounceMs,
      logger: this.logger,
      onChanges: (changes) => this.onFileChanges(changes),
    });
  }

  /** Reads saved state, starts watching, then loads every plugin, dependencies first. */
  async start(): Promise<void> {
    for (const problem of await this.snapshots.loadAll()) {
      this.diagnostics.add({
        pluginId: problem.pluginId,
        severity: 'warning',
        code: DiagnosticCodes.SnapshotCorrupt,
        message: problem.message,
        file: problem.file,
      });
    }
    await this.watcher.start();
    for (const entry of await discoverPlugins(this.options.pluginsDir)) this.addEntry(entry);
    const ids = [...this.records.values()].filter((r) => !r.invalid).map((r) => r.descriptor.id);
    await this.runPlan(
      planReload(
        new Map(ids.map((id) => [id, undefined])),
        ReloadTrigger.Startup,
        this.planPlugins(),
      ),
    );
    const { active, total } = this.status().plugins;
    const ms = Math.round(performance.now() - this.startedAt);
    this.logger.info(
      { active, total, ms },
      `ready: ${active} of ${total} plugins active in ${ms} ms`,
    );
  }

  listPlugins(): PluginInfo[] {
    return [...this.records.values()]
      .sort((a, b) => a.descriptor.id.localeCompare(b.descriptor.id))
      .map((r) => ({
        id: r.descriptor.id,
        name: r.descriptor.name,
        version: r.descriptor.version,
        status: r.status,
        generation: r.generationNumber,
        path: r.descriptor.root,
        supportsHotReload: r.descriptor.supportsHotReload,
        supportsDisable: r.descriptor.supportsDisable,
        dependencies: Object.keys(r.descriptor.dependencies),
        ...(r.lastReload
          ? { lastReload: { ...r.lastReload, at: r.lastReload.at.toISOString() } }
          : {}),
      }));
  }

  /** `plugin/reload`: the named plugins (or all), plus whatever depends on them. */
  async reload(
    ids: string[] | 'all',
    isCancelled: () => boolean = () => false,
  ): Promise<ReloadResult[]> {
    const wanted = ids === 'all' ? [...this.records.keys()] : ids;
    for (const id of wanted) this.record(id);
    const plan = planReload(
      new Map(wanted.map((id) => [id, undefined])),
      ReloadTrigger.Request,
      this.planPlugins(),
    );
    return this.runPlan(plan, isCancelled);
  }

  /** `plugin/getState`: takes a fresh snapshot from the running generation first, if it can. */
  async getState(
    id: string,
  ): Promise<{ id: string; generation: number; state: unknown; savedAt: string | null }> {
    const record = this.records.get(id);
    if (!record && !this.snapshots.get(id)) throw ReloaddError.unknownPlugin(id);
    if (record?.generation?.hasSaveState) {
      const generation = record.generation;
      await this.scheduler.exclusive(id, async () => {
        if (record.generation !== generation) return;
        try {
          this.storeState(id, await generation.saveState(), generation);
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
    if (!this.records.has(id)) throw ReloaddError.unknownPlugin(id);
    return this.diagnostics.get(id);
  }

  async executeCommand(command: string, args: unknown[]): Promise<unknown> {
    const entry = this.commands.get(command);
    if (!entry)
      throw new ReloaddError(
        ErrorCodes.UnknownCommand,
        ReloaddErrorCodes.UnknownCommand,
        `unknown command "${command}"`,
      );
    const generation = this.records.get(entry.pluginId)?.generation;
    const realmArgs = generation ? (generation.toRealm(args) as unknown[]) : args;
    try {
      return toJsonValue(await entry.handler(...realmArgs)) ?? null;
    } catch (thrown) {
      const where = generation ? locateInBundle(thrown, generation.bundle) : undefined;
      const at = where
        ? ` (${path.relative(this.options.pluginsDir, where.file)}:${where.range.start.line + 1}:${where.range.start.character + 1})`
        : '';
      throw new ReloaddError(
        ErrorCodes.CommandFailed,
        ReloaddErrorCodes.CommandFailed,
        `command "${command}" of plugin "${entry.pluginId}" threw ${describeThrown(thrown)}${at}`,
      );
    }
  }

  /** `editor/event`: returns how many listeners it reached. */
  emitEvent(event: string, data: unknown): number {
    return this.events.emit(event, data);
  }

  async enable(id: string): Promise<ReloadResult> {
    const record = this.record(id);
    if (record.status !== PluginStatus.Disabled) {
      return { id, ok: true, generation: record.generationNumber, durationMs: 0 };
    }
    record.status = PluginStatus.Loading;
    return this.scheduler.reload(id, { trigger: ReloadTrigger.Request });
  }

  async disable(id: string): Promise<void> {
    const record = this.record(id);
    if (!record.descriptor.supportsDisable) {
      throw new ReloaddError(
        ErrorCodes.NotSupported,
        ReloaddErrorCodes.DisableNotSupported,
        `plugin "${id}" cannot be disabled (capabilities.supportsDisable is false)`,
      );
    }
    await this.scheduler.exclusive(id, () => this.stopGeneration(record, PluginStatus.Disabled));
  }

  status() {
    const records = [...this.records.values()];
    const count = (status: PluginStatus) => records.filter((r) => r.status === status).length;
    return {
      version: this.options.version,
      pid: process.pid,
      uptimeMs: Math.round(performance.now() - this.startedAt),
      pluginsDir: this.options.pluginsDir,
      hotReload: this.hotReload,
      heldChanges: new Set(this.heldChanges.map((c) => c.path)).size,
      plugins: {
        total: records.length,
        loading: count(PluginStatus.Loading),
        active: count(PluginStatus.Active),
        failed: count(PluginStatus.Failed),
        disabled: count(PluginStatus.Disabled),
      },
      reloads: this.stats.summary(),
    };
  }

  setHotReload(enabled: boolean): boolean {
    const wasOff = !this.hotReload;
    this.hotReload = enabled;
    this.logger.info({ enabled }, `hot reload ${enabled ? 'on' : 'off'}`);
    if (enabled && wasOff && this.heldChanges.length > 0) {
      const held = this.heldChanges;
      this.heldChanges = [];
      this.onFileChanges(held);
    }
    return this.hotReload;
  }

  /** Stops watching, saves every plugin's state, deactivates them all, and writes snapshots. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.hotReload = false;
    await this.watcher.close();
    await this.changeChain;
    await Promise.all(
      [...this.records.values()].map((record) =>
        this.scheduler.exclusive(record.descriptor.id, () =>
          this.stopGeneration(record, record.status),
        ),
      ),
    );
    await this.snapshots.flush();
  }

  // ---- file changes ------------------------------------------------------------------------

  private onFileChanges(changes: FileChange[]): void {
    if (this.stopped) return;
    if (!this.hotReload) {
      this.heldChanges.push(...changes);
      return;
    }
    this.changeChain = this.changeChain
      .then(() => this.applyChanges(changes))
      .catch((error: unknown) => this.logger.error({ err: error }, 'applying file changes failed'));
  }

  private async applyChanges(changes: FileChange[]): Promise<void> {
    const impact = impactOfChanges(changes, this.planPlugins(), this.options.pluginsDir);
    const direct = new Map(impact.plugins);
    const fresh: string[] = [];
    for (const name of impact.entries) {
      const outcome = await this.rediscover(name);
      if (outcome?.kind === 'added') fresh.push(outcome.id);
      if (outcome?.kind === 'changed')
        direct.set(outcome.id, direct.get(outcome.id) ?? outcome.files);
      if (outcome?.kind === 'removed') direct.delete(outcome.id);
    }
    for (const id of fresh) direct.delete(id);
    const plan = planReload(direct, ReloadTrigger.File, this.planPlugins());
    const steps = plan.steps.filter((step) =>
      this.acceptsFileReload(step.id, step.changedFiles ?? []),
    );
    const load = planReload(
      new Map(fresh.map((id) => [id, undefined])),
      ReloadTrigger.Startup,
      this.planPlugins(),
    );
    // Detached on purpose: the next batch of changes must be able to overtake these reloads.
    this.runPlan({
      steps: [...load.steps.filter((s) => fresh.includes(s.id)), ...steps],
      cycles: plan.cycles,
    }).catch((error: unknown) => this.logger.error({ err: error }, 'reload plan failed'));
  }

  /** A disabled plugin ignores changes; one without hot reload support asks for a restart. */
  private acceptsFileReload(id: string, files: string[]): boolean {
    const record = this.records.get(id);
    if (!record || record.status === PluginStatus.Disabled) return false;
    if (record.descriptor.supportsHotReload || !record.generation) return true;
    const message = `${files.map((f) => path.relative(this.options.pluginsDir, f)).join(', ') || 'a dependency'} changed, but plugin '${id}' does not support hot reload (capabilities.supportsHotReload is false): restart the daemon to load the change`;
    this.diagnostics.add({
      pluginId: id,
      severity: 'warning',
      code: DiagnosticCodes.RestartRequired,
      message,
    });
    this.clients.notify(DidReload, {
      id,
      ok: false,
      generation: record.generationNumber,
      durationMs: 0,
      trigger: ReloadTrigger.File,
      changedFiles: files,
      error: { code: ReloaddErrorCodes.RestartRequired, message },
    });
    return false;
  }

  private async rediscover(
    name: string,
  ): Promise<
    | { kind: 'added' | 'removed'; id: string }
    | { kind: 'changed'; id: string; files: string[] }
    | undefined
  > {
    const root = path.join(this.options.pluginsDir, name);
    const existing = [...this.records.values()].find((r) => r.descriptor.root === root);
    const found = await readPluginEntry(this.options.pluginsDir, name);
    const foundId = found?.kind === 'plugin' ? found.descriptor.id : found?.invalid.id;
    if (existing && (!found || foundId !== existing.descriptor.id)) {
      await this.remove(existing);
      if (!found) return { kind: 'removed', id: existing.descriptor.id };
    }
    if (!found) return undefined;
    if (existing && foundId === existing.descriptor.id) {
      const before = JSON.stringify(existing.invalid ?? existing.descriptor);
      const after = JSON.stringify(found.kind === 'plugin' ? found.descriptor : found.invalid);
      if (before === after) return undefined;
      if (found.kind === 'invalid') {
        await this.scheduler.exclusive(existing.descriptor.id, () =>
          this.stopGeneration(existing, PluginStatus.Failed),
        );
        this.markInvalid(existing, found.invalid);
        return undefined;
      }
      const wasInvalid = existing.invalid !== undefined;
      existing.descriptor = found.descriptor;
      existing.invalid = undefined;
      if (wasInvalid) return { kind: 'added', id: existing.descriptor.id };
      return {
        kind: 'changed',
        id: existing.descriptor.id,
        files: [existing.descriptor.manifestPath ?? root],
      };
    }
    const added = this.addEntry(found);
    return added ? { kind: 'added', id: added } : undefined;
  }

  /** A plugin folder or file is gone: save its state, unload it, forget it (the state stays). */
  private async remove(record: PluginRecord): Promise<void> {
    const id = record.descriptor.id;
    await this.scheduler.exclusive(id, () => this.stopGeneration(record, PluginStatus.Disabled));
    this.records.delete(id);
    this.diagnostics.replace(id, []);
    this.logger.info({ plugin: id }, 'plugin removed; its last state is kept');
  }

  private addEntry(entry: DiscoveredEntry): string | undefined {
    const descriptor: PluginDescriptor =
      entry.kind === 'plugin'
        ? entry.descriptor
        : {
            id: entry.invalid.id,
            name: entry.invalid.id,
            version: '0.0.0',
            root: entry.invalid.root,
            entry: entry.invalid.root,
            supportsHotReload: true,
            supportsDisable: true,
            dependencies: {},
            ...(entry.invalid.manifestPath ? { manifestPath: entry.invalid.manifestPath } : {}),
          };
    const clash = this.records.get(descriptor.id);
    if (clash) {
      const message = `${descriptor.root} also declares the id "${descriptor.id}" and was ignored; plugin ids must be unique`;
      this.diagnostics.add({
        pluginId: descriptor.id,
        severity: 'warning',
        code: DiagnosticCodes.DuplicateId,
        message,
        ...(descriptor.manifestPath ? { file: descriptor.manifestPath } : {}),
      });
      return undefined;
    }
    const record: PluginRecord = {
      descriptor,
      status: PluginStatus.Loading,
      generationNumber: 0,
      inputs: new Set([descriptor.entry]),
      failedBuild: false,
    };
    this.records.set(descriptor.id, record);
    if (entry.kind === 'invalid') this.markInvalid(record, entry.invalid);
    return descriptor.id;
  }

  private markInvalid(record: PluginRecord, invalid: NonNullable<PluginRecord['invalid']>): void {
    record.invalid = invalid;
    record.status = PluginStatus.Failed;
    this.diagnostics.replace(record.descriptor.id, [
      {
        pluginId: record.descriptor.id,
        severity: 'error',
        code: invalid.code,
        message: invalid.message,
        file: invalid.manifestPath ?? invalid.root,
      },
    ]);
  }

  // ---- running reloads ---------------------------------------------------------------------

  /** Runs a plan: each step starts once the steps of its dependencies are done. */
  private async runPlan(
    plan: ReloadPlan,
    isCancelled: () => boolean = () => false,
  ): Promise<ReloadResult[]> {
    for (const cycle of plan.cycles) {
      for (const id of cycle) {
        this.diagnostics.add({
          pluginId: id,
          severity: 'warning',
          code: DiagnosticCodes.DependencyCycle,
          message: `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}; these plugins load in id order`,
        });
      }
    }
    const done = new Map<string, Promise<ReloadResult>>();
    for (const step of plan.steps) {
      const deps = Object.keys(this.records.get(step.id)?.descriptor.dependencies ?? {}).flatMap(
        (d) => {
          const p = done.get(d);
          return p ? [p] : [];
        },
      );
      const job: ReloadJob = {
        trigger: step.trigger,
        ...(step.changedFiles ? { changedFiles: step.changedFiles } : {}),
      };
      done.set(
        step.id,
        Promise.all(deps).then(() =>
          isCancelled()
            ? {
                id: step.id,
                ok: false,
                generation: this.records.get(step.id)?.generationNumber ?? 0,
                durationMs: 0,
                error: { code: 'RELOADD_CANCELLED', message: 'cancelled before it started' },
              }
            : this.scheduler.reload(step.id, job),
        ),
      );
    }
    return Promise.all(done.values());
  }

  private async runReload(
    id: string,
    job: ReloadJob,
    isStale: () => boolean,
  ): Promise<ReloadResult | typeof SUPERSEDED> {
    const record = this.records.get(id);
    if (!record)
      return {
        id,
        ok: false,
        generation: 0,
        durationMs: 0,
        error: { code: ReloaddErrorCodes.UnknownPlugin, message: `plugin "${id}" is gone` },
      };
    if (record.invalid) return this.refuse(record, record.invalid.code, record.invalid.message);
    if (record.status === PluginStatus.Disabled)
      return this.refuse(record, ReloaddErrorCodes.PluginNotActive, `plugin "${id}" is disabled`);
    if (record.generation && !record.descriptor.supportsHotReload) {
      return this.refuse(
        record,
        ReloaddErrorCodes.RestartRequired,
        `plugin "${id}" does not support hot reload: restart the daemon to reload it`,
      );
    }
    const unmet = this.unmetDependency(record);
    if (unmet) {
      this.diagnostics.replace(id, [
        {
          pluginId: id,
          severity: 'error',
          code: DiagnosticCodes.DependencyMissing,
          message: unmet,
        },
      ]);
      if (!record.generation) record.status = PluginStatus.Failed;
      return this.finish(record, job, {
        ok: false,
        generation: record.generationNumber,
        durationMs: 0,
        error: { code: DiagnosticCodes.DependencyMissing, message: unmet },
      });
    }
    const outcome = await new ReloadTransaction(record, this.transactionDeps, isStale).run();
    if (outcome === 'superseded') return SUPERSEDED;
    this.diagnostics.replace(id, outcome.diagnostics);
    this.watcher.watchExternal(this.externalInputs());
    this.logTrace(id, job, outcome);
    return this.finish(
      record,
      job,
      {
        ok: outcome.ok,
        generation: outcome.generation,
        durationMs: outcome.durationMs,
        ...(outcome.error ? { error: outcome.error } : {}),
      },
      outcome.rolledBack,
    );
  }

  /** One line per reload, with its phase timings: seed 000's "debug information". */
  private logTrace(id: string, job: ReloadJob, outcome: TransactionOutcome): void {
    const verb = job.trigger === ReloadTrigger.Startup ? 'load' : 'reload';
    const files = (job.changedFiles ?? []).map((f) => path.relative(this.options.pluginsDir, f));
    const cause = job.trigger === ReloadTrigger.File ? `${files.join(', ')} changed` : job.trigger;
    const p = outcome.phases;
    const timings = `build ${p.build}, save ${p.saveState}, deactivate ${p.deactivate}, activate ${p.activate}, restore ${p.restoreState} ms`;
    const message = outcome.ok
      ? `${verb}ed generation ${outcome.generation} in ${outcome.durationMs} ms (${cause}; ${timings})`
      : `${verb} failed (${cause}): ${outcome.error?.message}${outcome.rolledBack ? `; generation ${outcome.generation} was brought back with its state` : ''}`;
    const fields = {
      plugin: id,
      trigger: job.trigger,
      ok: outcome.ok,
      generation: outcome.generation,
      ms: outcome.durationMs,
      phases: outcome.phases,
      ...(job.changedFiles ? { changedFiles: job.changedFiles } : {}),
    };
    if (outcome.ok) this.logger.info(fields, message);
    else this.logger.warn(fields, message);
  }

  private refuse(record: PluginRecord, code: string, message: string): ReloadResult {
    return {
      id: record.descriptor.id,
      ok: false,
      generation: record.generationNumber,
      durationMs: 0,
      error: { code, message },
    };
  }

  /** Statistics, last-reload info and the didReload notification, for every finished reload. */
  private finish(
    record: PluginRecord,
    job: ReloadJob,
    result: Omit<ReloadResult, 'id'>,
    rolledBack?: boolean,
  ): ReloadResult {
    const id = record.descriptor.id;
    if (job.trigger !== ReloadTrigger.Startup) this.stats.record(result.durationMs, result.ok);
    record.lastReload = {
      at: new Date(),
      ok: result.ok,
      durationMs: result.durationMs,
      trigger: job.trigger,
    };
    this.clients.notify(DidReload, {
      id,
      ...result,
      trigger: job.trigger,
      ...(job.changedFiles ? { changedFiles: job.changedFiles } : {}),
      ...(rolledBack ? { rolledBack } : {}),
    });
    return { id, ...result };
  }

  private unmetDependency(record: PluginRecord): string | undefined {
    for (const [depId, range] of Object.entries(record.descriptor.dependencies)) {
      const dep = this.records.get(depId);
      if (!dep || dep.invalid) return `requires plugin "${depId}", which is not installed`;
      if (!semver.satisfies(dep.descriptor.version, range, { includePrerelease: true })) {
        return `requires "${depId}" ${range}, but version ${dep.descriptor.version} is installed`;
      }
      // In a cycle, one member has to load before the other: the cycle was warned about.
      if (dep.status !== PluginStatus.Active && !this.dependsOn(depId, record.descriptor.id)) {
        return `requires plugin "${depId}", which is ${dep.status}`;
      }
    }
    return undefined;
  }

  /** True when plugin `from` depends on plugin `to`, directly or through others. */
  private dependsOn(from: string, to: string, seen = new Set<string>()): boolean {
    if (seen.has(from)) return false;
    seen.add(from);
    const deps = Object.keys(this.records.get(from)?.descriptor.dependencies ?? {});
    return deps.includes(to) || deps.some((d) => this.dependsOn(d, to, seen));
  }

  /** Saves state, deactivates and unloads the running generation, if any; then sets `status`. */
  private async stopGeneration(record: PluginRecord, status: PluginStatus): Promise<void> {
    const generation = record.generation;
    record.status = status;
    if (!generation) return;
    const id = record.descriptor.id;
    try {
      if (generation.hasSaveState) this.storeState(id, await generation.saveState(), generation);
    } catch (error) {
      this.logger.warn(
        { plugin: id, err: error },
        'saveState failed while stopping; the previous snapshot is kept',
      );
    }
    try {
      await generation.deactivate();
    } catch (error) {
      this.logger.warn({ plugin: id, err: error }, 'deactivate failed');
    }
    generation.unload();
    record.generation = undefined;
  }

  private storeState(id: string, raw: unknown, generation: PluginGeneration): void {
    if (raw === undefined) return;
    const { value } = extractState(raw);
    const stateVersion = generation.descriptor.stateVersion;
    this.snapshots.set(id, {
      value,
      savedAt: new Date(),
      generation: generation.number,
      ...(stateVersion !== undefined ? { stateVersion } : {}),
    });
  }

  private servicesFor(record: PluginRecord): GenerationServices {
    const id = record.descriptor.id;
    return {
      commands: this.commands,
      events: this.events,
      logger: this.logger.child({ plugin: id }),
      readState: () => this.snapshots.get(id)?.value,
      writeState: (state) => {
        const { value, problems } = extractState(state);
        for (const problem of problems) {
          this.diagnostics.add({
            pluginId: id,
            severity: 'warning',
            code: DiagnosticCodes.StateNotCloneable,
            message: `${problem.path} ${problem.reason}`,
          });
        }
        const stateVersion = record.descriptor.stateVersion;
        this.snapshots.set(id, {
          value,
          savedAt: new Date(),
          generation: record.generationNumber,
          ...(stateVersion !== undefined ? { stateVersion } : {}),
        });
      },
      onCallbackError: (generation, where, thrown) => {
        const where2 = locateInBundle(thrown, generation.bundle);
        const message = `${where} threw ${describeThrown(thrown)}`;
        this.logger.warn({ plugin: id, generation: generation.number }, message);
        if (record.generation !== generation) return;
        this.diagnostics.add({
          pluginId: id,
          severity: 'error',
          code: DiagnosticCodes.RuntimeError,
          message,
          ...(where2
            ? {
                file: where2.file,
                range: where2.range,
                ...(where2.codeFrame ? { codeFrame: where2.codeFrame } : {}),
              }
            : {}),
        });
      },
    };
  }

  private record(id: string): PluginRecord {
    const record = this.records.get(id);
    if (!record) throw ReloaddError.unknownPlugin(id);
    return record;
  }

  private planPlugins(): PlanPlugin[] {
    return [...this.records.values()].map((r) => ({
      id: r.descriptor.id,
      root: r.descriptor.root,
      ...(r.descriptor.manifestPath ? { manifestPath: r.descriptor.manifestPath } : {}),
      inputs: r.inputs,
      failedBuild: r.failedBuild,
      dependencies: Object.keys(r.descriptor.dependencies),
    }));
  }

  private externalInputs(): string[] {
    const root = this.options.pluginsDir + path.sep;
    return [...this.records.values()].flatMap((r) =>
      [...r.inputs].filter((f) => !f.startsWith(root)),
    );
  }
}
