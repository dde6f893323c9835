import { performance } from 'node:perf_hooks';
import semver from 'semver';
import {
  type Diagnostic,
  DiagnosticCodes,
  DidChangeStatus,
  DidReload,
  PluginLifecycleEvents,
  PluginStatus,
  ReloaddErrorCodes,
  type ReloadPhases,
  type ReloadResult,
  ReloadTrigger,
} from '../../protocol/index.js';
import { PluginBuilder } from '../building/PluginBuilder.js';
import type { ClientChannel } from '../clientChannels/Broadcaster.js';
import type { EditorBridge } from '../clientChannels/EditorBridge.js';
import type { ExtractedState, HostLimits } from '../crossing/hostMessages.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import {
  describeLifecycleError,
  diagnosticAt,
  locateLifecycleError,
  stateProblemDiagnostic,
} from '../diagnostics/pluginDiagnostics.js';
import { HostSupervisor } from '../hosts/HostSupervisor.js';
import type { RemoteGeneration } from '../hosts/RemoteGeneration.js';
import type { Logger } from '../logs/logger.js';
import type { PluginCatalog } from '../plugins/PluginCatalog.js';
import type { PluginRecord } from '../plugins/PluginRecord.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import { planReload, type ReloadPlan } from './planReload.js';
import { type ReloadJob, ReloadScheduler, SUPERSEDED } from './ReloadScheduler.js';
import { ReloadStats } from './ReloadStats.js';
import { ReloadTransaction, type TransactionDeps } from './ReloadTransaction.js';
import { logReloadTrace } from './reloadTrace.js';
import { unloadGeneration } from './unloadGeneration.js';

/** chokidar's 50 ms `change` throttle, and a margin: see ReloadTransaction.unsettled. */
const FILE_FAILURE_SETTLE_MS = 65;

/**
 * Runs reloads: one plugin at a time through the scheduler, each as a ReloadTransaction, then
 * statistics, diagnostics, the reload trace and the didReload notification. It also owns what
 * all generations share: the command registry and the event bus.
 */
export class PluginRunner {
  readonly stats = new ReloadStats();
  readonly hosts: HostSupervisor;
  readonly scheduler: ReloadScheduler<ReloadResult>;
  private readonly transactionDeps: TransactionDeps;
  private readonly catalog: PluginCatalog;
  private readonly diagnostics: DiagnosticsStore;
  private readonly snapshots: SnapshotStore;
  private readonly clients: ClientChannel;
  private readonly logger: Logger;
  private readonly pluginsDir: string;
  private readonly onInputsChanged: () => void;

  constructor(options: {
    catalog: PluginCatalog;
    diagnostics: DiagnosticsStore;
    snapshots: SnapshotStore;
    clients: ClientChannel;
    logger: Logger;
    pluginsDir: string;
    /** A build changed some plugin's input files (the watcher follows them). */
    onInputsChanged(): void;
    limits: HostLimits;
    hostMemoryMb: number;
    editors: EditorBridge;
    hostWorkerPath?: URL;
  }) {
    this.catalog = options.catalog;
    this.diagnostics = options.diagnostics;
    this.snapshots = options.snapshots;
    this.clients = options.clients;
    this.logger = options.logger;
    this.pluginsDir = options.pluginsDir;
    this.onInputsChanged = options.onInputsChanged;
    this.scheduler = new ReloadScheduler(
      (id, job, isStale) => this.runReload(id, job, isStale),
      (error) => this.logger.error({ err: error }, 'reload crashed'),
    );
    this.hosts = new HostSupervisor({
      catalog: this.catalog,
      diagnostics: this.diagnostics,
      snapshots: this.snapshots,
      logger: this.logger,
      pluginsDir: this.pluginsDir,
      limits: options.limits,
      memoryMb: options.hostMemoryMb,
      editors: options.editors,
      ...(options.hostWorkerPath ? { workerPath: options.hostWorkerPath } : {}),
      failPlugin: (record, diagnostic) => {
        this.failPlugin(record, diagnostic).catch((error: unknown) =>
          this.logger.error({ err: error }, 'failing a plugin failed'),
        );
      },
      recover: (ids) => {
        const plan = planReload(
          new Map(ids.map((id) => [id, undefined])),
          ReloadTrigger.Recovery,
          this.catalog.planPlugins(),
        );
        this.runPlan({ steps: plan.steps.filter((s) => ids.includes(s.id)), cycles: [] }).catch(
          (error: unknown) => this.logger.error({ err: error }, 'recovery failed'),
        );
      },
    });
    this.transactionDeps = {
      builder: new PluginBuilder(),
      snapshots: this.snapshots,
      load: (descriptor, bundle, number) => this.hosts.load(descriptor, bundle, number),
    };
  }

  executeCommand(command: string, args: unknown[]): Promise<unknown> {
    return this.hosts.executeCommand(command, args);
  }

  /**
   * The watchdog stopped a plugin (a call ran past its limit, or its host died while it ran):
   * what is left of its generation is unloaded, its status is failed, and clients are told why.
   * Its last snapshot is kept: the next reload starts from it.
   */
  private async failPlugin(record: PluginRecord, diagnostic: Diagnostic): Promise<void> {
    const id = record.descriptor.id;
    await this.scheduler.exclusive(id, async () => {
      const generation = record.generation;
      // The reason first, then the status: a client that sees `failed` can always read why.
      this.diagnostics.add(DiagnosticSource.Reload, diagnostic);
      record.generation = undefined;
      record.status = PluginStatus.Failed;
      this.logger.warn({ plugin: id }, diagnostic.message);
      this.clients.notify(DidChangeStatus, {
        id,
        status: PluginStatus.Failed,
        generation: record.generationNumber,
      });
      if (generation) await generation.unload();
    });
  }

  /** Runs a plan: each step starts once the steps of its dependencies are done. */
  async runPlan(
    plan: ReloadPlan,
    isCancelled: () => boolean = () => false,
    /** For a plan made from file changes: when the first of them was seen. */
    detectedAt?: number,
  ): Promise<ReloadResult[]> {
    const inCycle = new Set(plan.cycles.flat());
    for (const step of plan.steps) {
      if (!inCycle.has(step.id)) this.diagnostics.set(step.id, DiagnosticSource.Dependencies, []);
    }
    for (const cycle of plan.cycles) {
      for (const id of cycle) {
        this.diagnostics.set(id, DiagnosticSource.Dependencies, [
          {
            pluginId: id,
            severity: 'warning',
            code: DiagnosticCodes.DependencyCycle,
            message: `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}; these plugins load in id order`,
          },
        ]);
      }
    }
    const done = new Map<string, Promise<ReloadResult>>();
    for (const step of plan.steps) {
      const deps = Object.keys(this.catalog.get(step.id)?.descriptor.dependencies ?? {}).flatMap(
        (d) => {
          const p = done.get(d);
          return p ? [p] : [];
        },
      );
      const job: ReloadJob = {
        trigger: step.trigger,
        ...(step.changedFiles ? { changedFiles: step.changedFiles } : {}),
        ...(detectedAt !== undefined ? { detectedAt } : {}),
      };
      const skipped = (code: string, message: string): ReloadResult => ({
        id: step.id,
        ok: false,
        generation: this.catalog.get(step.id)?.generationNumber ?? 0,
        durationMs: 0,
        error: { code, message },
      });
      done.set(
        step.id,
        Promise.all(deps).then((depResults) => {
          if (isCancelled())
            return skipped(ReloaddErrorCodes.Cancelled, 'cancelled before it started');
          // A dependent reloads to pick up its dependency's new generation: if there is none, don't.
          const failed =
            step.trigger === ReloadTrigger.Dependency ? depResults.find((r) => !r.ok) : undefined;
          if (failed) {
            return skipped(
              ReloaddErrorCodes.DependencyFailed,
              `not reloaded: its dependency "${failed.id}" failed to reload`,
            );
          }
          return this.scheduler.reload(step.id, job);
        }),
      );
    }
    return Promise.all(done.values());
  }

  private async runReload(
    id: string,
    job: ReloadJob,
    isStale: () => boolean,
  ): Promise<ReloadResult | typeof SUPERSEDED> {
    const detect =
      job.detectedAt === undefined ? undefined : roundMs(performance.now() - job.detectedAt);
    const record = this.catalog.get(id);
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
      this.diagnostics.set(id, DiagnosticSource.Reload, [
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
    const settleMs = job.trigger === ReloadTrigger.File ? FILE_FAILURE_SETTLE_MS : 0;
    // Seed 000's lifecycle events, for plugins that watch others (and the old generation itself).
    const reloading = record.generation !== undefined;
    if (reloading)
      this.hosts.emit(PluginLifecycleEvents.Reloading, { id, generation: record.generationNumber });
    const outcome = await new ReloadTransaction(
      record,
      this.transactionDeps,
      isStale,
      settleMs,
    ).run();
    if (outcome === 'superseded') return SUPERSEDED;
    if (reloading)
      this.hosts.emit(PluginLifecycleEvents.Reloaded, {
        id,
        generation: outcome.generation,
        ok: outcome.ok,
      });
    this.diagnostics.set(id, DiagnosticSource.Reload, outcome.diagnostics);
    if (outcome.ok) {
      // The running code is now what is on disk, and the last stop is behind it.
      this.diagnostics.set(id, DiagnosticSource.Stop, []);
      this.diagnostics.set(id, DiagnosticSource.Restart, []);
    }
    this.onInputsChanged();
    const phases: ReloadPhases = {
      ...(detect !== undefined ? { detect } : {}),
      ...outcome.phases,
    };
    logReloadTrace(this.logger, this.pluginsDir, { id, job, outcome, phases });
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
      phases,
    );
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
    phases?: ReloadPhases,
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
      ...(phases ? { phases } : {}),
    });
    return { id, ...result };
  }

  private unmetDependency(record: PluginRecord): string | undefined {
    for (const [depId, range] of Object.entries(record.descriptor.dependencies)) {
      const dep = this.catalog.get(depId);
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
    const deps = Object.keys(this.catalog.get(from)?.descriptor.dependencies ?? {});
    return deps.includes(to) || deps.some((d) => this.dependsOn(d, to, seen));
  }

  /**
   * Saves state, deactivates and unloads the running generation, if any; then sets `status`.
   * With `report`, what went wrong (state that could not be saved, leaks) becomes diagnostics.
   */
  async stopGeneration(record: PluginRecord, status: PluginStatus, report = true): Promise<void> {
    const generation = record.generation;
    record.status = status;
    if (!generation) return;
    const id = record.descriptor.id;
    const warnings: Diagnostic[] = [];
    try {
      if (generation.hasSaveState) {
        const problems = this.storeState(id, await generation.saveState(), generation);
        warnings.push(...problems.map((p) => stateProblemDiagnostic(id, p)));
      }
    } catch (error) {
      const message = `${describeLifecycleError(error)}; the previous snapshot is kept`;
      warnings.push(
        diagnosticAt(
          id,
          'warning',
          DiagnosticCodes.SaveStateFailed,
          message,
          locateLifecycleError(error),
        ),
      );
    }
    const unloaded = await unloadGeneration(generation);
    warnings.push(...unloaded.warnings);
    record.generation = undefined;
    // A deactivate that hung needs its author's attention, whatever the stop was for.
    if (unloaded.hung) record.status = PluginStatus.Failed;
    if (report) this.diagnostics.set(id, DiagnosticSource.Stop, warnings);
  }

  /** Keeps the state a generation handed over; returns what could not be kept as it was. */
  storeState(id: string, extracted: ExtractedState, generation: RemoteGeneration) {
    this.snapshots.keep(id, extracted, {
      generation: generation.number,
      stateVersion: generation.descriptor.stateVersion,
    });
    return extracted.problems;
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
