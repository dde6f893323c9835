import { describe, expect, it } from 'vitest';
import { HostRequestError } from '../../../src/daemon/crossing/HostRequestError.js';
import type { HostNotice, SwapParams } from '../../../src/daemon/crossing/hostMessages.js';
import { type SwapServices, swapGenerations } from '../../../src/daemon/worker/GenerationSwap.js';
import type { PluginGeneration } from '../../../src/daemon/worker/PluginGeneration.js';
import { StateSnapshots } from '../../../src/daemon/worker/StateSnapshots.js';
import { descriptorOf } from '../../helpers/pluginSource.js';

/**
 * A swap inside the host, against fake generations that record each call as "KEY call": the
 * order of steps, what a failing step leaves running, and the snapshot that follows the answer.
 */

type Hook = 'saveState' | 'deactivate' | 'activate' | 'migrateState' | 'restoreState';

function fakeGeneration(
  key: string,
  seen: string[],
  options: { fails?: Hook; hangs?: Hook; stateVersion?: number; migrates?: boolean } = {},
) {
  const descriptor = { ...descriptorOf('p'), stateVersion: options.stateVersion };
  let state: unknown = { count: key === 'p#1' ? 3 : 0 };
  const hook =
    (name: Hook, body: (...args: unknown[]) => unknown = () => undefined) =>
    async (...args: unknown[]) => {
      seen.push(`${key} ${name}`);
      if (options.hangs === name) await new Promise(() => undefined);
      if (options.fails === name) throw new Error(`${name} broke`);
      return body(...args);
    };
  return {
    descriptor,
    number: Number(key.split('#')[1]),
    hasSaveState: true,
    hasMigrateState: options.migrates ?? false,
    saveState: hook('saveState', () => state),
    deactivate: hook('deactivate'),
    activate: hook('activate'),
    migrateState: hook('migrateState', (old) => ({ migrated: old })),
    // As a real generation: restoreState is called only with a state to give.
    restoreState: hook('restoreState', (given) => {
      if (given !== undefined) state = given;
    }),
    retiring: () => seen.push(`${key} retiring`),
    keptRunning: () => seen.push(`${key} keptRunning`),
    get state() {
      return state;
    },
  };
}

function setUp(generations: Record<string, ReturnType<typeof fakeGeneration>>, seen: string[]) {
  const notices: HostNotice[] = [];
  const services: SwapServices = {
    loaded: (key) => generations[key] as unknown as PluginGeneration,
    suspend: async (pluginId) => {
      seen.push(`suspend ${pluginId}`);
      return 0;
    },
    resume: (pluginId) => seen.push(`resume ${pluginId}`),
    unload: (key) => {
      seen.push(`${key} unload`);
      return [];
    },
    lifecycle: async (_generation, call, work) => {
      try {
        return await work();
      } catch (error) {
        throw new HostRequestError({
          reason: 'lifecycle',
          call,
          message: `${call} threw ${String(error)}`,
        });
      }
    },
    snapshots: new StateSnapshots(
      (notice) => notices.push(notice),
      () => undefined,
    ),
    lifecycleMs: 50,
    waitsForEditor: () => false,
  };
  return { services, notices };
}

const reload: SwapParams = {
  pluginId: 'p',
  retire: 'p#1',
  start: { key: 'p#2', stored: undefined, afterReload: true },
};

describe('a swap inside the plugin host', () => {
  it('holds calls, marks the old generation retiring and takes its state, retires it, starts the new one with that state, then lets calls go; the snapshot follows the answer', async () => {
    const seen: string[] = [];
    const old = fakeGeneration('p#1', seen);
    const next = fakeGeneration('p#2', seen);
    const { services, notices } = setUp({ 'p#1': old, 'p#2': next }, seen);
    const report = await swapGenerations(reload, services);
    expect(seen).toEqual([
      'suspend p',
      'p#1 retiring',
      'p#1 saveState',
      'p#1 deactivate',
      'p#1 unload',
      'p#2 activate',
      'p#2 restoreState',
      'resume p',
    ]);
    expect(next.state).toEqual({ count: 3 });
    // The answer carries no state: it crosses once, after it.
    expect(report.saved).toEqual({ problems: [], stateVersion: undefined });
    expect(report.startFailed).toBeUndefined();
    expect(notices).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(notices).toEqual([
      expect.objectContaining({ op: 'stateTaken', generation: 1, value: { count: 3 } }),
    ]);
  });

  it("sends the swap's snapshot before the state the daemon asks for next, however soon it asks", async () => {
    const seen: string[] = [];
    const next = fakeGeneration('p#2', seen);
    const { services, notices } = setUp({ 'p#1': fakeGeneration('p#1', seen), 'p#2': next }, seen);
    await swapGenerations(reload, services);
    // A client's plugin/getState, answered before the host's next turn.
    const asked = services.snapshots.answer('p', await next.saveState());
    expect(notices).toEqual([
      expect.objectContaining({ op: 'stateTaken', generation: 1, value: { count: 3 } }),
    ]);
    expect(asked.value).toEqual({ count: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(notices.length).toBe(1);
  });

  it('keeps the old generation when its state cannot be taken: the new one is unloaded, nothing deactivated', async () => {
    const seen: string[] = [];
    const { services } = setUp(
      {
        'p#1': fakeGeneration('p#1', seen, { fails: 'saveState' }),
        'p#2': fakeGeneration('p#2', seen),
      },
      seen,
    );
    const report = await swapGenerations(reload, services);
    expect(report.saveFailed).toMatchObject({ call: 'saveState' });
    // Its code running on is its own again: nothing of it is told as running too late.
    expect(seen).toEqual([
      'suspend p',
      'p#1 retiring',
      'p#1 saveState',
      'p#1 keptRunning',
      'p#2 unload',
      'resume p',
    ]);
  });

  it('stops a plugin even when its saveState fails: deactivated and unloaded all the same', async () => {
    const seen: string[] = [];
    const { services } = setUp(
      { 'p#1': fakeGeneration('p#1', seen, { fails: 'saveState' }) },
      seen,
    );
    const report = await swapGenerations({ pluginId: 'p', retire: 'p#1', stop: true }, services);
    expect(report.saveFailed).toMatchObject({ call: 'saveState' });
    expect(seen).toEqual([
      'suspend p',
      'p#1 retiring',
      'p#1 saveState',
      'p#1 deactivate',
      'p#1 unload',
      'resume p',
    ]);
  });

  it('leaves calls held when the new generation fails to start, and answers with the state for the rollback', async () => {
    const seen: string[] = [];
    const { services, notices } = setUp(
      {
        'p#1': fakeGeneration('p#1', seen),
        'p#2': fakeGeneration('p#2', seen, { fails: 'activate' }),
      },
      seen,
    );
    const report = await swapGenerations(reload, services);
    expect(report.startFailed).toMatchObject({
      call: 'activate',
      message: expect.stringContaining('activate broke'),
    });
    expect(report.saved?.value).toEqual({ count: 3 });
    expect(seen.at(-1)).toBe('p#2 unload');
    expect(seen).not.toContain('resume p');
    await new Promise((resolve) => setImmediate(resolve));
    expect(notices).toEqual([]);
  });

  it('migrates state whose stateVersion moved, or starts without it when there is no migrateState', async () => {
    const seen: string[] = [];
    const migrating = fakeGeneration('p#2', seen, { stateVersion: 2, migrates: true });
    const { services } = setUp({ 'p#1': fakeGeneration('p#1', seen), 'p#2': migrating }, seen);
    const report = await swapGenerations(reload, services);
    expect(report.migrated).toEqual({ problems: [] });
    expect(migrating.state).toEqual({ migrated: { count: 3 } });

    const seen2: string[] = [];
    const plain = fakeGeneration('p#2', seen2, { stateVersion: 2 });
    const second = setUp({ 'p#1': fakeGeneration('p#1', seen2), 'p#2': plain }, seen2);
    const dropped = await swapGenerations(reload, second.services);
    expect(dropped.stateDropped).toEqual({ from: undefined, to: 2 });
    expect(plain.state).toEqual({ count: 0 });
  });

  it('starts the new generation with the latest state the host saw when the old one saves none (the daemon sends no snapshot then)', async () => {
    const seen: string[] = [];
    const old = { ...fakeGeneration('p#1', seen), hasSaveState: false };
    const next = fakeGeneration('p#2', seen);
    const { services } = setUp({ 'p#1': old, 'p#2': next }, seen);
    services.snapshots.remember('p', { count: 7 }, undefined);
    await swapGenerations(reload, services);
    expect(next.state).toEqual({ count: 7 });
  });

  it('fails a step that never settles after the lifecycle limit, naming it, instead of hanging the swap', async () => {
    const seen: string[] = [];
    const { services } = setUp(
      {
        'p#1': fakeGeneration('p#1', seen),
        'p#2': fakeGeneration('p#2', seen, { hangs: 'restoreState' }),
      },
      seen,
    );
    const report = await swapGenerations(reload, services);
    expect(report.startFailed).toEqual({
      reason: 'timeout',
      call: 'restoreState',
      message: 'restoreState did not finish within 50 ms',
    });
  });
});
