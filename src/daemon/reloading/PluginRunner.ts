import path from 'node:path';
import {
  type Diagnostic,
  DiagnosticCodes,
  hostName,
  PluginLifecycleEvents,
  PluginStatus,
  type ProgressToken,
  ReloaddErrorCodes,
  type ReloadResult,
  ReloadTrigger,
  SnapshotCause,
} from '../../protocol/index.js';
import type { PluginBuilder } from '../building/PluginBuilder.js';
import { HostRequestError } from '../crossing/HostRequestError.js';
import type { ExtractedState } from '../crossing/hostMessages.js';
import { lineWithBreak } from '../crossing/sourceLocation.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import {
  describeLifecycleError,
  diagnosticAt,
  locateLifecycleError,
  stateProblemDiagnostic,
} from '../diagnostics/pluginDiagnostics.js';
import type { HostSupervisor } from '../hosts/HostSupervisor.js';
import type { HostCrash, PluginHost } from '../hosts/PluginHost.js';
import type { RemoteGeneration } from '../hosts/RemoteGeneration.js';
import type { SwapRequests } from '../hosts/SwapRequests.js';
import type { Logger } from '../logs/logger.js';
import type { ReloadJob } from '../plugins/OperationQueue.js';
import type { PluginCatalog } from '../plugins/PluginCatalog.js';
import type { PluginRecord } from '../plugins/PluginRecord.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import type { Work, WorkProgress } from '../toClients/WorkProgress.js';
import { type PluginReloader, refusedReload } from './PluginReloader.js';
import { planReload, type ReloadPlan } from './planReload.js';
import { retirementWarnings } from './retirementWarnings.js';

export interface RunnerOptions {
  catalog: PluginCatalog;
  /** A stopped plugin's incremental build is let go. */
  builder: Pick<PluginBuilder, 'forget'>;
  /** Where a stopped plugin's generation is taken down (its state saved first). */
  swaps: Pick<SwapRequests, 'swap'>;
  /** Where the Red editor's lifecycle events go. */
  hosts: Pick<HostSupervisor, 'emitEvent'>;
  diagnostics: DiagnosticsStore;
  snapshots: SnapshotStore;
  /** Does each reload, in its plugin's turn. */
  reloader: Pick<PluginReloader, 'run'>;
  /** Where a plan of many plugins is told as progress. */
  work: WorkProgress;
  logger: Logger;
}

export interface RunOptions {
  /** Checked before each plugin's turn: a cancelled request starts no more reloads. */
  isCancelled?(): boolean;
  /** For a plan made from file changes: when the first of them was seen. */
  detectedAt?: number;
  /** For a request: the client that sent it. */
  requestedBy?: ReloadJob['requestedBy'];
  /** For `plugin/restoreSnapshot`: the state the requested plugins start with. */
  restore?: ReloadJob['restore'];
  /**
   * Tell clients of the plan's progress, when it has more than one plugin or a client gave a
   * `workDoneToken` for it; `cancellable` lets a client's cancel stop what has not started.
   */
  progress?: { title: string; cancellable?: boolean; workDoneToken?: ProgressToken };
}

/** What a progress's end says: "50 of 50 active", "48 of 50 active; failed: a, b". */
function workSummary(results: ReloadResult[] | undefined, cancelled: boolean): string {
  if (!results) return 'stopped by an internal error';
  const failed = results.filter((r) => !r.ok).map((r) => r.id);
  const active = `${results.length - failed.length} of ${results.length} active`;
  if (cancelled) return `cancelled: ${active}`;
  return failed.length > 0 ? `${active}; failed: ${failed.join(', ')}` : active;
}

/** Which plugins to reload: ids, or ids with the files that changed in each. */
export type ReloadRequest = Iterable<string> | ReadonlyMap<string, string[] | undefined>;

/**
 * Everything that changes which generation of a plugin runs, each in the plugin's turn: plans
 * of reloads run in dependency order, stops (disable, removal, shutdown), and what the watchdog
 * and a dead host ask for (a failed plugin, neighbours loaded again with their state).
 */
export class PluginRunner {
  constructor(private readonly options: RunnerOptions) {}

  /** The named plugins, then every plugin that depends on them, dependencies first. Pure. */
  plan(requested: ReloadRequest, trigger: ReloadTrigger): ReloadPlan {
    return planReload(withFiles(requested), trigger, this.options.catalog.planPlugins());
  }

  /** Plans, then runs: what `plugin/reload`, `plugin/enable` and first loads do. */
  reload(
    requested: ReloadRequest,
    trigger: ReloadTrigger,
    options: RunOptions = {},
  ): Promise<ReloadResult[]> {
    return this.run(this.plan(requested, trigger), options);
  }

  /** Runs a plan: each step starts once the steps of its dependencies are done. */
  async run(plan: ReloadPlan, options: RunOptions = {}): Promise<ReloadResult[]> {
    const { catalog, diagnostics, reloader, logger } = this.options;
    const work = this.beginWork(plan, options);
    const isCancelled = () => (options.isCancelled?.() ?? false) || (work?.cancelled ?? false);
    const inCycle = new Set(plan.cycles.flat());
    for (const step of plan.steps) {
      if (!inCycle.has(step.id)) diagnostics.set(step.id, DiagnosticSource.Dependencies, []);
    }
    for (const cycle of plan.cycles) {
      for (const id of cycle) {
        diagnostics.set(id, DiagnosticSource.Dependencies, [
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
      const deps = Object.keys(catalog.get(step.id)?.descriptor.dependencies ?? {}).flatMap((d) => {
        const p = done.get(d);
        return p === undefined ? [] : [p];
      });
      const job: ReloadJob = {
        trigger: step.trigger,
        ...(step.changedFiles ? { changedFiles: step.changedFiles } : {}),
        ...(step.causedBy ? { causedBy: step.causedBy } : {}),
        ...(options.requestedBy && step.trigger === ReloadTrigger.Request
          ? { requestedBy: options.requestedBy }
          : {}),
        ...(options.detectedAt !== undefined ? { detectedAt: options.detectedAt } : {}),
        ...(options.restore && step.trigger === ReloadTrigger.Request
          ? { restore: options.restore }
          : {}),
        ...(options.progress?.cancellable || options.isCancelled ? { isCancelled } : {}),
      };
      const skipped = (code: string, message: string) =>
        refusedReload(step.id, catalog.get(step.id)?.generationNumber ?? 0, code, message);
      done.set(
        step.id,
        Promise.all(deps)
          .then((depResults) => {
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
            const record = catalog.get(step.id);
            if (!record)
              return skipped(ReloaddErrorCodes.UnknownPlugin, `plugin "${step.id}" is gone`);
            return record.queue
              .reload(job, (merged, isStale) => reloader.run(record, merged, isStale))
              .catch((error: unknown) => {
                logger.error({ err: error, plugin: step.id }, 'reload crashed');
                throw error;
              });
          })
          .then((result) => {
            work?.stepDone(step.id, result.ok);
            return result;
          }),
      );
    }
    let results: ReloadResult[] | undefined;
    try {
      results = await Promise.all(done.values());
      return results;
    } finally {
      work?.end(workSummary(results, work.cancelled));
    }
  }

  private beginWork(plan: ReloadPlan, options: RunOptions): Work | undefined {
    const { progress } = options;
    if (!progress) return undefined;
    const { requestedBy } = options;
    const token = progress.workDoneToken;
    // A client that gave a token asked for progress, however short the plan.
    const asked =
      token !== undefined && requestedBy !== undefined
        ? { requestedBy, workDoneToken: token }
        : undefined;
    if (plan.steps.length < 2 && !asked) return undefined;
    return this.options.work.begin({
      title: progress.title,
      total: plan.steps.length,
      ...(progress.cancellable ? { cancellable: true } : {}),
      ...asked,
    });
  }

  /**
   * Saves state, deactivates and unloads the running generation, if any, in its turn after any
   * reload under way; the plugin ends in `status`. With `report`, what went wrong (state that
   * could not be saved, leaks) becomes its `stop` diagnostics.
   */
  stop(record: PluginRecord, status: PluginStatus, report = true): Promise<void> {
    return record.queue.exclusive(async () => {
      await this.stopGeneration(record, status, report);
      await this.options.builder.forget(record.id);
    });
  }

  /**
   * The watchdog stopped a plugin (a call ran past its limit, or its host died while it ran):
   * what is left of its generation is unloaded, its status is failed, and clients are told why.
   * Its last snapshot is kept: the next reload starts from it.
   */
  async fail(pluginId: string, diagnostic: Diagnostic): Promise<void> {
    const { catalog, diagnostics, logger } = this.options;
    const record = catalog.get(pluginId);
    if (!record) return;
    await record.queue.exclusive(async () => {
      const generation = record.generation;
      // The reason first, then the status: a client that sees `failed` can always read why.
      diagnostics.add(DiagnosticSource.Reload, diagnostic);
      logger.warn({ plugin: pluginId }, diagnostic.message);
      record.failFromWatchdog();
      if (generation) await generation.unload();
    });
  }

  /** A host died: the plugin that was running is failed, the others come back in a new host. */
  async hostCrashed(host: PluginHost, crash: HostCrash, culpritId: string | undefined) {
    const { catalog } = this.options;
    // The plugins that lived in the host, and those whose first load was under way in it.
    const victims = catalog
      .all()
      .filter(
        (r) =>
          r.generation?.host === host ||
          (!r.generation &&
            r.status === PluginStatus.Loading &&
            hostName(r.descriptor) === host.name),
      );
    // The culprit may already have failed on its own (its load timed out): blame it all the same.
    const culprit = culpritId !== undefined ? catalog.get(culpritId) : undefined;
    const others = victims.filter((r) => r !== culprit);
    const work: Promise<unknown>[] = [];
    if (culprit) {
      const neighbours =
        others.length > 0
          ? '; the other plugins of that host were restarted with their last state'
          : '';
      const top = crash.stuckIn?.[0];
      const busy = crash.stuckIn?.length
        ? `; it was looping in ${crash.stuckIn.map((f) => `${f.functionName} (${path.relative(path.dirname(culprit.descriptor.root), f.file)}:${f.line})`).join(', called from ')}`
        : '';
      const message = `plugin '${culprit.id}' was stopped: its host ${crash.message} while it was running${busy}${neighbours}`;
      const where = top && { file: top.file, range: lineWithBreak(top.line - 1) };
      work.push(
        this.fail(
          culprit.id,
          diagnosticAt(culprit.id, 'error', DiagnosticCodes.HostCrashed, message, where),
        ),
      );
    }
    for (const record of others) record.loseHost();
    if (others.length > 0) work.push(this.recover(others.map((r) => r.id)));
    await Promise.all(work);
  }

  /**
   * The running generation's `beforeExit(ctx, editorState)`, in the plugin's turn, if it has one
   * it has not run. A failure (a throw, the lifecycle limit) is the plugin's diagnostic and a log
   * line; it never fails the plugin, and it never throws: an exit goes on regardless.
   */
  async beforeExit(record: PluginRecord, editorState: unknown): Promise<void> {
    const { diagnostics, logger } = this.options;
    await record.queue.exclusive(async () => {
      const generation = record.generation;
      if (!generation?.owesBeforeExit) return;
      try {
        await generation.beforeExit(editorState);
        diagnostics.set(record.id, DiagnosticSource.Exit, []);
      } catch (error) {
        const message = `${describeLifecycleError(error)}: what it saves for the next session may be missing`;
        logger.warn({ plugin: record.id, err: error }, message);
        diagnostics.set(record.id, DiagnosticSource.Exit, [
          diagnosticAt(
            record.id,
            'warning',
            DiagnosticCodes.BeforeExitFailed,
            message,
            locateLifecycleError(error),
          ),
        ]);
      }
    });
  }

  /** Takes a fresh snapshot from the running generation, in its turn; a failing saveState keeps the last. */
  async refreshSnapshot(record: PluginRecord): Promise<void> {
    const generation = record.generation;
    if (!generation?.hasSaveState) return;
    await record.queue.exclusive(async () => {
      if (record.generation !== generation) return;
      try {
        this.keepState(generation, await generation.saveState(), SnapshotCause.Request);
      } catch (error) {
        this.options.logger.warn(
          { plugin: record.id, err: error },
          'saveState failed; showing the last snapshot',
        );
      }
    });
  }

  /** Plugins whose host died under them come back, with their last state, and nothing else. */
  private recover(ids: string[]): Promise<ReloadResult[]> {
    const plan = this.plan(ids, ReloadTrigger.Recovery);
    return this.run({ steps: plan.steps.filter((s) => ids.includes(s.id)), cycles: [] });
  }

  private async stopGeneration(
    record: PluginRecord,
    status: PluginStatus,
    reportProblems: boolean,
  ): Promise<void> {
    const generation = record.generation;
    record.beginStop(status);
    if (!generation) return;
    const id = record.id;
    const { hosts, swaps, snapshots } = this.options;
    // A stop is a swap to nothing: calls wait, the state is taken, the generation goes.
    const report = await swaps.swap({ gate: record.gate, retire: generation, afterReload: false });
    record.gate.open();
    const warnings: Diagnostic[] = [];
    if (report.saved) {
      warnings.push(...report.saved.problems.map((p) => stateProblemDiagnostic(id, p)));
      snapshots.keep(
        id,
        { value: report.saved.value, problems: [] },
        { generation: generation.number, stateVersion: report.saved.stateVersion },
        status === PluginStatus.Disabled ? SnapshotCause.Disable : SnapshotCause.Stop,
      );
    }
    if (report.saveFailed) {
      const error = new HostRequestError(report.saveFailed);
      warnings.push(
        diagnosticAt(
          id,
          'warning',
          DiagnosticCodes.SaveStateFailed,
          `${describeLifecycleError(error)}; the previous snapshot is kept`,
          locateLifecycleError(error),
        ),
      );
    }
    const unloaded = retirementWarnings(id, report);
    warnings.push(...unloaded.warnings);
    record.finishStop(unloaded.hung);
    hosts.emitEvent(PluginLifecycleEvents.Unloaded, { id, generation: generation.number });
    if (reportProblems) this.options.diagnostics.set(id, DiagnosticSource.Stop, warnings);
  }

  /** Keeps the state a generation handed over; returns what could not be kept as it was. */
  private keepState(
    generation: RemoteGeneration,
    extracted: ExtractedState,
    takenBy: SnapshotCause,
  ) {
    this.options.snapshots.keep(
      generation.descriptor.id,
      extracted,
      { generation: generation.number, stateVersion: generation.descriptor.stateVersion },
      takenBy,
    );
    return extracted.problems;
  }
}

function withFiles(requested: ReloadRequest): ReadonlyMap<string, string[] | undefined> {
  if (requested instanceof Map) return requested;
  return new Map([...(requested as Iterable<string>)].map((id) => [id, undefined]));
}
