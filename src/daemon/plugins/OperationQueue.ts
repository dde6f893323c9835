import type { RequestedBy } from '../../protocol/index.js';
import { ReloadTrigger } from '../../protocol/index.js';
import type { StoredState } from '../crossing/hostMessages.js';

export interface ReloadJob {
  trigger: ReloadTrigger;
  changedFiles?: string[];
  /** A dependent's: the plugins whose reload brought it along. */
  causedBy?: string[];
  /** A request's: the client that sent it. */
  requestedBy?: RequestedBy;
  /** performance.now() of the first file event behind this reload (the trace's detect phase). */
  detectedAt?: number;
  /**
   * `plugin/restoreSnapshot`'s: the state the new generation starts with, instead of the one the
   * old generation hands over (which is still taken, and kept in the history).
   */
  restore?: StoredState;
  /**
   * A cancellable request's: true once its client cancelled. A reload not yet at its swap gives
   * up, and the plugin keeps the generation it runs.
   */
  isCancelled?: () => boolean;
}

/**
 * Whether a reload follows files written just now, which it may have caught half-written: a
 * change's, and the first load of a plugin that appeared while the daemon runs (it has the time
 * of the file event behind it). Its failure waits for the writes to settle before it is told.
 */
export function followsWrites(job: ReloadJob): boolean {
  return (
    job.trigger === ReloadTrigger.File ||
    (job.trigger === ReloadTrigger.Startup && job.detectedAt !== undefined)
  );
}

/** What a reload run returns when a newer change overtook it before it touched the plugin. */
export const SUPERSEDED = Symbol('superseded');

export type RunReload<R> = (
  job: ReloadJob,
  /** True once a newer change has been scheduled for this plugin: the run should give up. */
  isStale: () => boolean,
) => Promise<R | typeof SUPERSEDED>;

interface QueuedReload<R> {
  job: ReloadJob;
  run: RunReload<R>;
  promise: Promise<R>;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * One plugin's operations, one at a time (its record holds it). Reloads that arrive while one
 * runs are merged into a single queued reload; a run that a newer change overtakes (while it is
 * still building) gives up and its callers get the result of the queued one, so a burst of saves
 * ends in one reload of the final content and never two generations at once.
 */
export class OperationQueue<R> {
  /** Everything for the plugin runs in this chain, one operation at a time. */
  private tail: Promise<void> = Promise.resolve();
  /** A reload waiting for its turn: later requests join it ("queue exactly one more"). */
  private queued: QueuedReload<R> | undefined;
  /** Bumped by every request; a run started at an older version is stale. */
  private version = 0;

  /** A reload of the plugin, by `run`, or the queued one it joins. */
  reload(job: ReloadJob, run: RunReload<R>): Promise<R> {
    this.version += 1;
    if (this.queued) {
      this.queued.job = mergeJobs(this.queued.job, job);
      return this.queued.promise;
    }
    const queued = deferred<R>(job, run);
    this.queued = queued;
    this.tail = this.tail
      .then(async () => {
        this.queued = undefined;
        const startedAt = this.version;
        const outcome = await queued.run(queued.job, () => this.version !== startedAt);
        if (outcome !== SUPERSEDED) {
          queued.resolve(outcome);
          return;
        }
        // Whoever overtook us queued a reload; our callers wait for that one, with our files too.
        const next = this.queued as QueuedReload<R> | undefined;
        let follow: Promise<R>;
        if (next) {
          next.job = mergeJobs(queued.job, next.job);
          follow = next.promise;
        } else {
          follow = this.reload(queued.job, queued.run);
        }
        follow.then(queued.resolve, queued.reject);
      })
      .catch((error: unknown) => queued.reject(error));
    return queued.promise;
  }

  /** Runs `operation` in the plugin's turn, after whatever is queued before it. */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function mergeJobs(earlier: ReloadJob, later: ReloadJob): ReloadJob {
  const files = [...new Set([...(earlier.changedFiles ?? []), ...(later.changedFiles ?? [])])];
  const causes = [...new Set([...(earlier.causedBy ?? []), ...(later.causedBy ?? [])])].sort();
  const requestedBy = later.requestedBy ?? earlier.requestedBy;
  const detected = [earlier.detectedAt, later.detectedAt].filter((t) => t !== undefined);
  return {
    // A first load stays one (clients wait for its `startup` didReload), whatever joins it.
    trigger: earlier.trigger === ReloadTrigger.Startup ? earlier.trigger : later.trigger,
    ...(files.length > 0 ? { changedFiles: files } : {}),
    ...(causes.length > 0 ? { causedBy: causes } : {}),
    ...(requestedBy ? { requestedBy } : {}),
    ...(detected.length > 0 ? { detectedAt: Math.min(...detected) } : {}),
    // A restore asked for goes on, whatever joins it; a later one wins.
    ...((later.restore ?? earlier.restore) ? { restore: later.restore ?? earlier.restore } : {}),
    // One reload serves both: it stops only when every one that asked for it cancelled.
    ...(earlier.isCancelled && later.isCancelled
      ? { isCancelled: bothCancelled(earlier.isCancelled, later.isCancelled) }
      : {}),
  };
}

function bothCancelled(a: () => boolean, b: () => boolean): () => boolean {
  return () => a() && b();
}

function deferred<R>(job: ReloadJob, run: RunReload<R>): QueuedReload<R> {
  let resolve!: (result: R) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { job, run, promise, resolve, reject };
}
