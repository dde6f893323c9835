import { execFileSync } from 'node:child_process';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DiagnosticSource,
  DiagnosticsStore,
} from '../../../src/daemon/diagnostics/DiagnosticsStore.js';
import { SnapshotStore } from '../../../src/daemon/state/SnapshotStore.js';
import {
  DiagnosticCodes,
  type PublishDiagnosticsParams,
  ReloaddErrorCodes,
  SnapshotCause,
} from '../../../src/protocol/index.js';
import { tempDir } from '../../helpers/files.js';

const isRoot = process.getuid?.() === 0;
const logger = pino({ level: 'silent' });

function storeIn(stateDir: string) {
  const published: PublishDiagnosticsParams[] = [];
  const diagnostics = new DiagnosticsStore({
    notify: (_def: unknown, params: unknown) => published.push(params as PublishDiagnosticsParams),
  } as never);
  const store = new SnapshotStore({ stateDir, logger, diagnostics });
  return { store, diagnostics, published };
}

/** A snapshot of `counter`, `count` in its state, taken by `generation` for `cause`. */
const take = (store: SnapshotStore, count: number, generation: number, cause: SnapshotCause) =>
  store.keep('counter', { value: { count }, problems: [] }, { generation }, cause);
const kept = (store: SnapshotStore) =>
  store
    .history('counter')
    .map((s) => [s.generation, s.takenBy, (s.value as { count: number }).count]);

describe("SnapshotStore's history", () => {
  it('keeps the reloads before a busy timer: what a generation takes while running never pushes one out', () => {
    const store = new SnapshotStore({ logger });
    take(store, 1, 1, SnapshotCause.Reload);
    take(store, 2, 2, SnapshotCause.Reload);
    take(store, 3, 3, SnapshotCause.Request);
    // A timer every 2 s for ten minutes, then a command: one snapshot each, all of generation 4.
    for (let tick = 0; tick < 300; tick++) take(store, 100 + tick, 4, SnapshotCause.Activity);
    take(store, 500, 4, SnapshotCause.Command);
    expect(kept(store)).toEqual([
      [4, 'command', 500],
      [3, 'request', 3],
      [2, 'reload', 2],
      [1, 'reload', 1],
    ]);
    for (const generation of [1, 2, 3])
      expect(store.ofGeneration('counter', generation)?.generation).toBe(generation);
    expect(store.get('counter')?.value).toEqual({ count: 500 });
  });

  it('keeps the last `history` points, and the newest running snapshot of the last `runningHistory` generations', () => {
    const store = new SnapshotStore({ logger, history: 3, runningHistory: 2 });
    for (let generation = 1; generation <= 5; generation++) {
      take(store, generation * 10, generation, SnapshotCause.Activity);
      if (generation < 5) take(store, generation * 10 + 1, generation, SnapshotCause.Reload);
    }
    // Generation 5 runs; 2 to 4 each ended in a reload, which replaced what they took running.
    expect(kept(store)).toEqual([
      [5, 'activity', 50],
      [4, 'reload', 41],
      [3, 'reload', 31],
      [2, 'reload', 21],
    ]);
    // A generation whose end kept nothing (its host crashed) keeps its running snapshot, in the ring of those.
    take(store, 60, 6, SnapshotCause.Activity);
    take(store, 70, 7, SnapshotCause.Activity);
    expect(kept(store).filter(([, cause]) => cause === 'activity')).toEqual([
      [7, 'activity', 70],
      [6, 'activity', 60],
    ]);
  });

  it('keeps one of the same moment asked again: a page refreshing the state does not flood it', () => {
    const store = new SnapshotStore({ logger, history: 4 });
    take(store, 1, 1, SnapshotCause.Reload);
    for (let ask = 0; ask < 10; ask++) take(store, 10 + ask, 2, SnapshotCause.Request);
    take(store, 30, 2, SnapshotCause.Reload);
    take(store, 40, 3, SnapshotCause.Request);
    expect(kept(store)).toEqual([
      [3, 'request', 40],
      [2, 'reload', 30],
      [2, 'request', 19],
      [1, 'reload', 1],
    ]);
  });
});

const keep = (store: SnapshotStore, count: number) =>
  store.keep(
    'counter',
    { value: { count }, problems: [] },
    { generation: 1 },
    SnapshotCause.Command,
  );

describe('SnapshotStore, when its writes fail', () => {
  it("fails the plugin's calls with RELOADD_STATE_NOT_WRITTEN and says why in a diagnostic, both gone once a write succeeds", async () => {
    // The folder is missing: every write fails until it is made again.
    const stateDir = path.join(await tempDir(), 'state');
    const { store, diagnostics } = storeIn(stateDir);
    keep(store, 1);
    const failed = await store.settled('counter').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toMatchObject({ code: ReloaddErrorCodes.StateNotWritten });
    expect((failed as Error).message).toContain(path.join(stateDir, 'counter.snapshot'));
    expect((failed as Error).message).toContain('ENOENT');
    const [diagnostic] = diagnostics.get('counter');
    expect(diagnostic).toMatchObject({
      pluginId: 'counter',
      severity: 'error',
      code: DiagnosticCodes.StateNotWritten,
      file: path.join(stateDir, 'counter.snapshot'),
    });
    expect(diagnostic?.message).toContain('ENOENT');

    await mkdir(stateDir);
    keep(store, 2);
    await store.settled('counter');
    expect(diagnostics.get('counter')).toEqual([]);
    expect(await store.flush()).toEqual([]);
    store.close();
  });

  it('reports at its flush the plugins whose state could not be written', async () => {
    const stateDir = path.join(await tempDir(), 'state');
    const { store } = storeIn(stateDir);
    keep(store, 1);
    expect(await store.flush()).toEqual([
      expect.objectContaining({
        pluginId: 'counter',
        file: path.join(stateDir, 'counter.snapshot'),
        why: expect.stringContaining('ENOENT'),
      }),
    ]);
    store.close();
  });

  it('keeps the diagnostic of its own source: a reload replacing its list leaves it', async () => {
    const stateDir = path.join(await tempDir(), 'state');
    const { store, diagnostics } = storeIn(stateDir);
    keep(store, 1);
    await store.settled('counter').catch(() => undefined);
    diagnostics.set('counter', DiagnosticSource.Reload, []);
    expect(diagnostics.get('counter').map((d) => d.code)).toEqual([
      DiagnosticCodes.StateNotWritten,
    ]);
    store.close();
  });
});

describe.skipIf(!isRoot)('SnapshotStore reading a state folder (mounts: root only)', () => {
  const mounted: string[] = [];
  afterEach(() => {
    for (const dir of mounted.splice(0)) execFileSync('umount', [dir]);
  });

  it('moves a corrupt snapshot aside, or says it could not and why', async () => {
    const stateDir = await tempDir();
    await writeFile(path.join(stateDir, 'junk.snapshot'), 'not v8');
    const writable = await new SnapshotStore({ stateDir, logger }).loadAll();
    const moved = writable.find((p) => p.pluginId === 'junk');
    expect(moved?.message).toMatch(/moved to junk\.snapshot\.corrupt-\d+/);
    await access(moved?.file ?? 'nowhere');
    expect(await readdir(stateDir)).not.toContain('junk.snapshot');

    // A folder that became read-only: the file stays where it was, and the report says so.
    await writeFile(path.join(stateDir, 'junk.snapshot'), 'not v8');
    execFileSync('mount', ['--bind', stateDir, stateDir]);
    mounted.push(stateDir);
    execFileSync('mount', ['-o', 'remount,ro,bind', stateDir]);
    const readOnly = await new SnapshotStore({ stateDir, logger }).loadAll();
    const stayed = readOnly.find((p) => p.pluginId === 'junk');
    expect(stayed?.file).toBe(path.join(stateDir, 'junk.snapshot'));
    expect(stayed?.message).toContain('could not be moved aside');
    expect(stayed?.message).toContain('EROFS');
    expect(stayed?.message).not.toContain('moved to');
  });
});
