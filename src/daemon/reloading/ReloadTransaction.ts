import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Diagnostic,
  DiagnosticCodes,
  type DiagnosticSeverity,
  type ReloadError,
  SnapshotCause,
} from '../../protocol/index.js';
import { anyMoved, fingerprintAll } from '../building/fileFingerprint.js';
import type { PluginBuilder } from '../building/PluginBuilder.js';
import { HostRequestError, isTimeout } from '../crossing/HostRequestError.js';
import type { StoredState } from '../crossing/hostMessages.js';
import type { PluginBundle } from '../crossing/PluginBundle.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import type { SourceLocation } from '../crossing/sourceLocation.js';
import {
  describeLifecycleError,
  diagnosticAt,
  locateLifecycleError,
  stateProblemDiagnostic,
} from '../diagnostics/pluginDiagnostics.js';
import type { RemoteGeneration } from '../hosts/RemoteGeneration.js';
import type { SwapRequests } from '../hosts/SwapRequests.js';
import { SUPERSEDED } from '../plugins/OperationQueue.js';
import type { PluginRecord } from '../plugins/PluginRecord.js';
import type { Snapshot, SnapshotStore } from '../state/SnapshotStore.js';
import { msSince, roundMs } from './milliseconds.js';
import { retirementWarnings } from './retirementWarnings.js';

/** What a transaction drives. */
export interface TransactionDeps {
  /**
   * A swap in the plugin's host, in one step: calls into the plugin are held from its start
   * until the transaction opens the plugin's gate again.
   */
  swaps: Pick<SwapRequests, 'swap'>;
  builder: Pick<PluginBuilder, 'build'>;
  snapshots: SnapshotStore;
  /** Resolves once the files are no longer being written; undefined when they are not now. */
  settled(): Promise<void> | undefined;
  /** Evaluates a bundle as a new generation in the plugin's host. */
  load(
    descriptor: PluginDescriptor,
    bundle: PluginBundle,
    number: number,
  ): Promise<RemoteGeneration>;
}

/** Milliseconds spent in each phase; the reload trace logs them. */
export interface PhaseTimings {
  build: number;
  /** Waiting, once built and evaluated, for the writes to be over. */
  settle: number;
  /** The host making the new realm and evaluating the bundle in it. */
  evaluate: number;
  /** Reading the inputs' fingerprints, before the build and before the swap. */
  check: number;
  /** The load's and the swap's messages to the host and back, beyond the host's own work. */
  hostTrips: number;
  saveState: number;
  deactivate: number;
  activate: number;
  /** Of `activate`, the call until it returned (the rest waited for its promise). */
  activateCall?: number;
  restoreState: number;
}

export interface TransactionOutcome {
  ok: boolean;
  generation: number;
  durationMs: number;
  error?: ReloadError;
  rolledBack?: boolean;
  /** The plugin's whole diagnostic list after this transaction (replaces the previous one). */
  diagnostics: Diagnostic[];
  phases: PhaseTimings;
}

/**
 * One reload (or first load) of one plugin, in the order that keeps state safe:
 *   1. build and evaluate the new generation, touching nothing of the old one, while the
 *      writes that caused it settle;
 *   2. hold every call into the plugin, and wait for those already running (the swap is atomic);
 *   3. old generation: saveState → deactivate → release everything it still holds;
 *   4. new generation: activate → restoreState;
 *   5. if 4 throws: release the new generation and bring the old code back with the same state;
 *   6. let the held calls go, to whichever generation is active.
 * A run that a newer change overtakes before step 2 gives up (`isStale`).
 */
export class ReloadTransaction {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly phases: PhaseTimings = {
    build: 0,
    settle: 0,
    evaluate: 0,
    check: 0,
    hostTrips: 0,
    saveState: 0,
    deactivate: 0,
    activate: 0,
    restoreState: 0,
  };
  private readonly started = performance.now();

  constructor(
    private readonly record: PluginRecord,
    private readonly deps: TransactionDeps,
    private readonly isStale: () => boolean,
    /**
     * For a reload caused by a file change: how long a failure waits for writes to settle (the
     * watcher says how long a file takes to report its final content).
     */
    private readonly settleMs = 0,
    /** `plugin/restoreSnapshot`'s state, given to the new generation instead of the old one's. */
    private readonly restore?: StoredState,
  ) {}

  private get id(): string {
    return this.record.descriptor.id;
  }

  async run(): Promise<TransactionOutcome | typeof SUPERSEDED> {
    const { record, deps } = this;
    const descriptor = record.descriptor;

    // Building starts on a change's first event; an editor may still be writing (truncate, then
    // write). The swap waits until the writes are over, and a build that read a file which moved
    // under it is stale, and is redone on the file's final content.
    const before = await this.timed('check', () =>
      fingerprintAll(new Set([descriptor.entry, ...record.inputs])),
    );
    const built = await this.timed('build', () => deps.builder.build(descriptor));
    if (this.isStale()) return SUPERSEDED;
    if (!built.ok) {
      if (await this.unsettled(before)) return SUPERSEDED;
      record.recordBrokenBuild([
        descriptor.entry,
        ...built.errors.flatMap((e) => (e.file ? [e.file] : [])),
      ]);
      for (const e of built.errors) this.add('error', DiagnosticCodes.BuildFailed, e.message, e);
      return this.fail(
        DiagnosticCodes.BuildFailed,
        built.errors[0]?.message ?? 'build failed',
        built.errors[0],
      );
    }
    record.recordBuild(built.bundle.inputs);

    const previous = record.generation;
    let next: RemoteGeneration;
    try {
      const loadStarted = performance.now();
      next = await deps.load(descriptor, built.bundle, record.generationNumber + 1);
      this.phases.evaluate = roundMs(next.evaluateMs);
      this.phases.hostTrips = roundMs(
        Math.max(0, performance.now() - loadStarted - next.evaluateMs),
      );
    } catch (error) {
      if (!(error instanceof HostRequestError)) throw error;
      if (await this.unsettled(before)) return SUPERSEDED;
      const { reason, message, location } = error.error;
      const code =
        reason === 'noActivate'
          ? DiagnosticCodes.NoActivate
          : reason === 'timeout'
            ? DiagnosticCodes.Timeout
            : DiagnosticCodes.EvaluateFailed;
      this.add('error', code, message, location);
      return this.fail(code, message, location);
    }
    // The point of no return waits for the writes to be over (WriteActivity) and for a build
    // of what is on disk now.
    const writing = deps.settled();
    if (writing !== undefined) await this.timed('settle', () => writing);
    const after = await this.timed('check', () => fingerprintAll(built.bundle.inputs));
    if (this.isStale() || anyMoved(before, after)) {
      await next.unload();
      return SUPERSEDED;
    }

    // The swap is one step for every caller: from here until the new generation is active (or
    // the old one is back), calls into the plugin wait, and then go to whichever is active. On
    // a first load too: a command registered in activate waits until the plugin is active.
    try {
      return await this.takeOver(previous, next, built.bundle);
    } finally {
      record.gate.open();
    }
  }

  /**
   * The new generation takes over, in one step of its host: the old one (if any) saves its
   * state, is deactivated and released; the new one is activated and given that state. If that
   * fails, the last good code comes back with the same state.
   */
  private async takeOver(
    previous: RemoteGeneration | undefined,
    next: RemoteGeneration,
    bundle: PluginBundle,
  ): Promise<TransactionOutcome> {
    const { record, deps } = this;
    let snapshot = deps.snapshots.get(this.id);
    // The host has the state itself when the old generation lives there (what it saves, or
    // the latest it saw): the snapshot crosses the thread only when it does not.
    const sameHost = previous !== undefined && previous.host === next.host;
    const given = this.restore ?? (sameHost ? undefined : stored(snapshot));
    const swapStarted = performance.now();
    const report = await deps.swaps.swap({
      gate: record.gate,
      ...(previous ? { retire: previous } : {}),
      start: next,
      ...(given ? { stored: given } : {}),
      ...(this.restore ? { restore: true } : {}),
      afterReload: previous !== undefined,
    });
    const swapMs = performance.now() - swapStarted;
    let inHost = 0;
    for (const phase of ['saveState', 'deactivate', 'activate', 'restoreState'] as const) {
      this.phases[phase] = roundMs(report.timings[phase]);
      inHost += report.timings[phase];
    }
    this.phases.hostTrips = roundMs(this.phases.hostTrips + Math.max(0, swapMs - inHost));
    if (report.timings.activateCall !== undefined)
      this.phases.activateCall = roundMs(report.timings.activateCall);
    this.overtaken(report.stillRunning);
    if (report.saved) {
      this.diagnostics.push(
        ...report.saved.problems.map((p) => stateProblemDiagnostic(this.id, p)),
      );
      // Here when nothing took over (the value of a successful swap follows its answer).
      if (report.saved.value !== undefined && previous) {
        snapshot = deps.snapshots.keep(
          this.id,
          { value: report.saved.value, problems: [] },
          { generation: previous.number, stateVersion: report.saved.stateVersion },
          SnapshotCause.Reload,
        );
      }
    }
    if (report.saveFailed) {
      const error = new HostRequestError(report.saveFailed);
      const message = `${describeLifecycleError(error)}; the running generation was kept`;
      const code = isTimeout(error) ? DiagnosticCodes.Timeout : DiagnosticCodes.SaveStateFailed;
      this.add('error', code, message, locateLifecycleError(error));
      return this.fail(code, message, locateLifecycleError(error));
    }
    if (previous) {
      this.diagnostics.push(...retirementWarnings(this.id, report).warnings);
      record.retireGeneration();
    }
    if (report.migrated) {
      this.diagnostics.push(
        ...report.migrated.problems.map((p) => stateProblemDiagnostic(this.id, p)),
      );
    }
    if (report.stateDropped) {
      const { from, to } = report.stateDropped;
      this.add(
        'warning',
        DiagnosticCodes.StateVersionChanged,
        `stateVersion changed from ${from ?? 'none'} to ${to ?? 'none'} and the plugin exports no migrateState: it starts without its saved state (the snapshot is replaced at its next save)`,
      );
    }
    if (report.startFailed) {
      const error = new HostRequestError(report.startFailed);
      const code = isTimeout(error)
        ? DiagnosticCodes.Timeout
        : (report.startFailed.call ?? 'activate') === 'activate'
          ? DiagnosticCodes.ActivateFailed
          : DiagnosticCodes.RestoreStateFailed;
      const message = describeLifecycleError(error);
      const where = locateLifecycleError(error);
      this.add('error', code, message, where);
      const rolledBack = previous ? await this.rollback(snapshot) : false;
      return this.fail(code, message, where, rolledBack);
    }
    record.activate(next, { descriptor: next.descriptor, bundle });
    return this.outcome(true);
  }

  private overtaken(stillRunning: number): void {
    if (stillRunning === 0) return;
    this.add(
      'warning',
      DiagnosticCodes.CallsOvertaken,
      `${stillRunning} call${stillRunning === 1 ? ' was' : 's were'} still running when the reload took the state, after waiting the lifecycle limit: what ${stillRunning === 1 ? 'it does' : 'they do'} from then on is not kept (a command among them answers with an error)`,
    );
  }

  /**
   * A build can catch a file between an editor's truncate and its write, and the watcher may say
   * nothing more of that file for a while. So before a failure caused by a file change is
   * reported, wait `settleMs` and look again: if an input moved, this run is stale.
   */
  private async unsettled(before: Map<string, string | undefined>): Promise<boolean> {
    if (this.settleMs <= 0) return false;
    // Moved already (the usual case: the build caught the truncate, the data came next).
    if (this.isStale() || anyMoved(before, await fingerprintAll(before.keys()))) return true;
    await sleep(this.settleMs);
    return this.isStale() || anyMoved(before, await fingerprintAll(before.keys()));
  }

  /** Brings the last good code back in a fresh realm, with the state saved a moment ago. */
  private async rollback(snapshot: Snapshot | undefined): Promise<boolean> {
    const { record, deps } = this;
    const good = record.lastGood;
    if (!good) return false;
    try {
      const restored = await deps.load(good.descriptor, good.bundle, record.generationNumber);
      const given = stored(snapshot);
      const report = await deps.swaps.swap({
        gate: record.gate,
        start: restored,
        ...(given ? { stored: given } : {}),
        afterReload: true,
      });
      if (report.startFailed) throw new HostRequestError(report.startFailed);
      record.restoreGeneration(restored);
      this.add(
        'info',
        DiagnosticCodes.RolledBack,
        `generation ${record.generationNumber} was brought back with its state`,
      );
      return true;
    } catch (error) {
      this.add(
        'error',
        DiagnosticCodes.ActivateFailed,
        `rolling back failed too: ${describeLifecycleError(error)}`,
      );
      return false;
    }
  }

  private fail(
    code: string,
    message: string,
    where?: Partial<SourceLocation>,
    rolledBack = false,
  ): TransactionOutcome {
    this.record.failLoad();
    const error: ReloadError = {
      code,
      message,
      ...(where?.file ? { file: where.file } : {}),
      ...(where?.range ? { range: where.range } : {}),
    };
    return { ...this.outcome(false), error, ...(rolledBack ? { rolledBack } : {}) };
  }

  private outcome(ok: boolean): TransactionOutcome {
    return {
      ok,
      generation: this.record.generationNumber,
      durationMs: msSince(this.started),
      diagnostics: this.diagnostics,
      phases: this.phases,
    };
  }

  private add(
    severity: DiagnosticSeverity,
    code: string,
    message: string,
    where?: Partial<SourceLocation>,
  ): void {
    this.diagnostics.push(diagnosticAt(this.id, severity, code, message, where));
  }

  private async timed<T>(
    phase: Exclude<keyof PhaseTimings, 'activateCall'>,
    work: () => Promise<T>,
  ): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.phases[phase] = roundMs(this.phases[phase] + performance.now() - start);
    }
  }
}

/** The daemon's snapshot, as a swap hands it to a generation that has no predecessor here. */
function stored(snapshot: Snapshot | undefined): StoredState | undefined {
  return snapshot ? { value: snapshot.value, stateVersion: snapshot.stateVersion } : undefined;
}
