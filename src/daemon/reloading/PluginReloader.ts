import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import semver from 'semver';
import {
  DiagnosticCodes,
  PluginLifecycleEvents,
  PluginStatus,
  ReloaddErrorCodes,
  type ReloadPhases,
  type ReloadResult,
  ReloadTrigger,
} from '../../protocol/index.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import type { HostSupervisor } from '../hosts/HostSupervisor.js';
import type { Logger } from '../logs/logger.js';
import { followsWrites, type ReloadJob, SUPERSEDED } from '../plugins/OperationQueue.js';
import type { PluginCatalog } from '../plugins/PluginCatalog.js';
import type { PluginRecord, ReloadReport } from '../plugins/PluginRecord.js';
import { msSince } from './milliseconds.js';
import type { ReloadStats } from './ReloadStats.js';
import { ReloadTransaction, type TransactionDeps } from './ReloadTransaction.js';
import { logReloadTrace } from './reloadTrace.js';

export interface ReloaderOptions {
  catalog: PluginCatalog;
  diagnostics: DiagnosticsStore;
  hosts: HostSupervisor;
  stats: ReloadStats;
  logger: Logger;
  pluginsDir: string;
  transactionDeps: TransactionDeps;
  /**
   * How long a failed reload caused by a file change waits for the file to settle before it is
   * reported (the watcher knows: 0 when there is none).
   */
  fileSettleMs: number;
}

export interface ReloaderEvents {
  /** A reload ran: the set of files some plugin's bundle reads may have changed. */
  inputsChanged: [];
  /** A reload (or first load) of the plugin ran, and clients have been told of it. */
  reported: [pluginId: string];
}

/**
 * One reload of one plugin, in its turn (the scheduler calls `run`): the refusals that need no
 * transaction, the ReloadTransaction itself, then statistics, diagnostics, the reload trace and
 * the record's report to clients.
 */
export class PluginReloader extends EventEmitter<ReloaderEvents> {
  constructor(private readonly options: ReloaderOptions) {
    super();
  }

  async run(
    record: PluginRecord,
    job: ReloadJob,
    isStale: () => boolean,
  ): Promise<ReloadResult | typeof SUPERSEDED> {
    const { catalog, diagnostics, hosts } = this.options;
    const detect = job.detectedAt === undefined ? undefined : msSince(job.detectedAt);
    const id = record.id;
    // Its folder was removed while the reload waited for its turn.
    if (catalog.get(id) !== record)
      return refusedReload(id, 0, ReloaddErrorCodes.UnknownPlugin, `plugin "${id}" is gone`);
    const refuse = (code: string, message: string) =>
      refusedReload(id, record.generationNumber, code, message);
    if (record.invalid) return refuse(record.invalid.code, record.invalid.message);
    if (record.status === PluginStatus.Disabled)
      return refuse(ReloaddErrorCodes.PluginNotActive, `plugin "${id}" is disabled`);
    if (record.generation && !record.descriptor.supportsHotReload) {
      return refuse(
        ReloaddErrorCodes.RestartRequired,
        `plugin "${id}" does not support hot reload: restart the daemon to reload it`,
      );
    }
    const unmet = this.unmetDependency(record);
    if (unmet) {
      diagnostics.set(id, DiagnosticSource.Reload, [
        {
          pluginId: id,
          severity: 'error',
          code: DiagnosticCodes.DependencyMissing,
          message: unmet,
        },
      ]);
      record.failLoad();
      return this.finish(record, job, {
        ok: false,
        generation: record.generationNumber,
        durationMs: 0,
        error: { code: DiagnosticCodes.DependencyMissing, message: unmet },
      });
    }
    const settleMs = followsWrites(job) ? this.options.fileSettleMs : 0;
    // The Red editor's lifecycle events, for plugins that watch others (and the old generation).
    const reloading = record.generation !== undefined;
    const leaving = record.generationNumber;
    if (reloading) hosts.emitEvent(PluginLifecycleEvents.Reloading, { id, generation: leaving });
    const cancelled = job.isCancelled ?? (() => false);
    const outcome = await new ReloadTransaction(
      record,
      this.options.transactionDeps,
      // A cancel is taken where a newer change would be: before the swap, nothing touched.
      () => isStale() || cancelled(),
      settleMs,
      job.restore,
    ).run();
    const transactionEnded = performance.now();
    if (outcome === SUPERSEDED && !isStale() && cancelled()) {
      if (reloading)
        hosts.emitEvent(PluginLifecycleEvents.Reloaded, { id, generation: leaving, ok: false });
      return refuse(
        ReloaddErrorCodes.Cancelled,
        'cancelled before its swap: the running generation is unchanged',
      );
    }
    if (outcome === SUPERSEDED) return SUPERSEDED;
    if (reloading) {
      // The generation that ran before is gone, whether a new one took over or a rollback brought
      // its code back in a fresh realm: what others cached of it is stale.
      if (outcome.ok || outcome.rolledBack)
        hosts.emitEvent(PluginLifecycleEvents.Unloaded, { id, generation: leaving });
      hosts.emitEvent(PluginLifecycleEvents.Reloaded, {
        id,
        generation: outcome.generation,
        ok: outcome.ok,
      });
    }
    diagnostics.set(id, DiagnosticSource.Reload, outcome.diagnostics);
    if (outcome.ok) {
      // The running code is now what is on disk, and the last stop is behind it.
      diagnostics.set(id, DiagnosticSource.Stop, []);
      diagnostics.set(id, DiagnosticSource.Restart, []);
    }
    const phases: ReloadPhases = {
      ...(detect !== undefined ? { detect } : {}),
      ...outcome.phases,
    };
    const result = this.finish(
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
      transactionEnded,
    );
    // Clients have been told; what is left is the daemon's own bookkeeping.
    logReloadTrace(this.options.logger, this.options.pluginsDir, { id, job, outcome, phases });
    this.emit('inputsChanged');
    this.emit('reported', id);
    return result;
  }

  /** Statistics, and the record's report (last reload, `plugin/didReload`), for every finished reload. */
  private finish(
    record: PluginRecord,
    job: ReloadJob,
    result: Omit<ReloadResult, 'id'>,
    rolledBack?: boolean,
    phases?: ReloadPhases,
    /** `performance.now()` when its transaction ended: what follows until the notice is `commit`. */
    transactionEnded?: number,
  ): ReloadResult {
    if (job.trigger !== ReloadTrigger.Startup)
      this.options.stats.record(result.durationMs, result.ok);
    if (phases && transactionEnded !== undefined) phases.commit = msSince(transactionEnded);
    const report: ReloadReport = {
      ...result,
      trigger: job.trigger,
      ...(job.changedFiles ? { changedFiles: job.changedFiles } : {}),
      ...(job.causedBy ? { causedBy: job.causedBy } : {}),
      ...(job.requestedBy ? { requestedBy: job.requestedBy } : {}),
      ...(rolledBack ? { rolledBack } : {}),
      ...(phases ? { phases } : {}),
      ...(job.detectedAt !== undefined
        ? { detected: performance.timeOrigin + job.detectedAt }
        : {}),
    };
    record.reportReload(report);
    return { id: record.id, ...result };
  }

  private unmetDependency(record: PluginRecord): string | undefined {
    const { catalog } = this.options;
    for (const [depId, range] of Object.entries(record.descriptor.dependencies)) {
      const dep = catalog.get(depId);
      if (!dep || dep.invalid) return `requires plugin "${depId}", which is not installed`;
      if (!semver.satisfies(dep.descriptor.version, range, { includePrerelease: true })) {
        return `requires "${depId}" ${range}, but version ${dep.descriptor.version} is installed`;
      }
      // In a cycle, one member has to load before the other: the cycle was warned about.
      if (dep.status !== PluginStatus.Active && !this.dependsOn(depId, record.id)) {
        return `requires plugin "${depId}", which is ${dep.status}`;
      }
    }
    return undefined;
  }

  /** True when plugin `from` depends on plugin `to`, directly or through others. */
  private dependsOn(from: string, to: string, seen = new Set<string>()): boolean {
    if (seen.has(from)) return false;
    seen.add(from);
    const deps = Object.keys(this.options.catalog.get(from)?.descriptor.dependencies ?? {});
    return deps.includes(to) || deps.some((d) => this.dependsOn(d, to, seen));
  }
}

/**
 * A reload refused or skipped before it started (unknown, invalid, disabled, cancelled, its
 * dependency failed): nothing changed, so clients are not told.
 */
export function refusedReload(
  id: string,
  generation: number,
  code: string,
  message: string,
): ReloadResult {
  return { id, ok: false, generation, durationMs: 0, error: { code, message } };
}
