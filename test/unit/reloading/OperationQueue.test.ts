import { describe, expect, it } from 'vitest';
import {
  followsWrites,
  OperationQueue,
  type ReloadJob,
  SUPERSEDED,
} from '../../../src/daemon/plugins/OperationQueue.js';
import { ReloadTrigger } from '../../../src/protocol/index.js';

/**
 * A run that waits until the test lets it go, so the test decides what overlaps. Each plugin has
 * a queue of its own, as each record does.
 */
function controlledRuns() {
  const runs: {
    job: ReloadJob;
    isStale: () => boolean;
    release: (result: string | typeof SUPERSEDED) => void;
  }[] = [];
  const queues = new Map<string, OperationQueue<string>>();
  const queueOf = (id: string) => {
    let queue = queues.get(id);
    if (!queue) {
      queue = new OperationQueue<string>();
      queues.set(id, queue);
    }
    return queue;
  };
  const run = (job: ReloadJob, isStale: () => boolean) =>
    new Promise<string | typeof SUPERSEDED>((resolve) => {
      runs.push({ job, isStale, release: resolve });
    });
  const scheduler = {
    reload: (id: string, job: ReloadJob) => queueOf(id).reload(job, run),
    exclusive: <T>(id: string, operation: () => Promise<T>) => queueOf(id).exclusive(operation),
  };
  const started = async (count: number) => {
    while (runs.length < count) await new Promise((r) => setImmediate(r));
    return runs[count - 1] as (typeof runs)[number];
  };
  return { scheduler, runs, started };
}

describe('OperationQueue', () => {
  it('keeps a first load a first load when a request joins it before it runs', async () => {
    const { scheduler, started } = controlledRuns();
    const busy = scheduler.reload('p', { trigger: 'file' });
    const running = await started(1);
    const startup = scheduler.reload('q', { trigger: 'startup' });
    const firstLoad = await started(2);
    // A request for a plugin whose startup load is queued behind another run merges into it.
    const blocked = scheduler.reload('p', { trigger: 'startup' });
    const request = scheduler.reload('p', { trigger: 'request', detectedAt: 5 });
    running.release('p done');
    const merged = await started(3);
    expect(merged.job).toEqual({ trigger: 'startup', detectedAt: 5 });
    merged.release('p loaded');
    firstLoad.release('q loaded');
    expect(await Promise.all([busy, startup, blocked, request])).toEqual([
      'p done',
      'q loaded',
      'p loaded',
      'p loaded',
    ]);
  });

  it('cancels a merged reload only when everyone who asked for it cancelled', async () => {
    const { scheduler, started } = controlledRuns();
    const busy = scheduler.reload('p', { trigger: 'file' });
    const running = await started(1);
    let aCancelled = false;
    let bCancelled = false;
    const a = scheduler.reload('p', { trigger: 'request', isCancelled: () => aCancelled });
    const b = scheduler.reload('p', { trigger: 'request', isCancelled: () => bCancelled });
    const unmerged = scheduler.reload('q', { trigger: 'request', isCancelled: () => true });
    const other = await started(2);
    expect(other.job.isCancelled?.()).toBe(true);
    running.release('p done');
    const merged = await started(3);
    const isCancelled = merged.job.isCancelled as () => boolean;
    aCancelled = true;
    expect(isCancelled()).toBe(false);
    bCancelled = true;
    expect(isCancelled()).toBe(true);
    // A save that joins a request cannot be cancelled: neither can the reload they share.
    const withSave = scheduler.reload('p', { trigger: 'file' });
    const withRequest = scheduler.reload('p', { trigger: 'request', isCancelled: () => true });
    merged.release('p again');
    const third = await started(4);
    expect(third.job.isCancelled).toBeUndefined();
    third.release('p saved');
    other.release('q');
    expect(await Promise.all([busy, a, b, unmerged, withSave, withRequest])).toEqual([
      'p done',
      'p again',
      'p again',
      'q',
      'p saved',
      'p saved',
    ]);
  });

  it('runs one reload per plugin at a time and merges everything that arrives meanwhile into one more', async () => {
    const { scheduler, runs, started } = controlledRuns();
    const first = scheduler.reload('p', { trigger: 'file', changedFiles: ['a'] });
    const running = await started(1);
    const second = scheduler.reload('p', { trigger: 'file', changedFiles: ['b'] });
    const third = scheduler.reload('p', { trigger: 'request' });
    expect(runs).toHaveLength(1);
    running.release('first done');
    const queued = await started(2);
    expect(queued.job).toEqual({ trigger: 'request', changedFiles: ['b'] });
    queued.release('second done');
    expect(await Promise.all([first, second, third])).toEqual([
      'first done',
      'second done',
      'second done',
    ]);
    expect(runs).toHaveLength(2);
  });

  it('lets a run see that a newer change overtook it, and hands its callers the newer result', async () => {
    const { scheduler, started } = controlledRuns();
    const first = scheduler.reload('p', { trigger: 'file', changedFiles: ['a'] });
    const running = await started(1);
    expect(running.isStale()).toBe(false);
    const second = scheduler.reload('p', { trigger: 'file', changedFiles: ['b'] });
    expect(running.isStale()).toBe(true);
    running.release(SUPERSEDED);
    const next = await started(2);
    expect(next.job.changedFiles).toEqual(['a', 'b']);
    next.release('final');
    expect(await Promise.all([first, second])).toEqual(['final', 'final']);
  });

  it('keeps plugins independent of each other', async () => {
    const { scheduler, started } = controlledRuns();
    const a = scheduler.reload('a', { trigger: 'file' });
    const b = scheduler.reload('b', { trigger: 'file' });
    const runA = await started(1);
    const runB = await started(2);
    runB.release('b');
    runA.release('a');
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
  });

  it("runs exclusive operations in the plugin's turn", async () => {
    const { scheduler, started } = controlledRuns();
    const order: string[] = [];
    const reload = scheduler.reload('p', { trigger: 'file' }).then(() => order.push('reload'));
    const running = await started(1);
    const exclusive = scheduler.exclusive('p', async () => {
      order.push('exclusive');
    });
    running.release('done');
    await Promise.all([reload, exclusive]);
    expect(order).toEqual(['reload', 'exclusive']);
  });
});

describe('followsWrites', () => {
  it("is a file change's reload, and the first load of a plugin that appeared with a file event", () => {
    expect(followsWrites({ trigger: ReloadTrigger.File })).toBe(true);
    expect(followsWrites({ trigger: ReloadTrigger.Startup, detectedAt: 12 })).toBe(true);
    // The daemon's own start, a request, a dependency's cascade: nothing was just written.
    expect(followsWrites({ trigger: ReloadTrigger.Startup })).toBe(false);
    expect(followsWrites({ trigger: ReloadTrigger.Request })).toBe(false);
    expect(followsWrites({ trigger: ReloadTrigger.Dependency, detectedAt: 12 })).toBe(false);
  });
});
