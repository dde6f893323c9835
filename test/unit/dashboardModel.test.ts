import { describe, expect, it } from 'vitest';
import {
  CHART_POINTS,
  causeChain,
  EMPTY_STATE,
  type ReloadEvent,
  ShownStatus,
  shownStatus,
  withDiagnostics,
  withLogs,
  withPluginList,
  withReload,
  withReplayedReloads,
  withStatusChange,
} from '../../src/clients/dashboard/model/dashboardState.js';
import type { DidReloadParams, LogEntry, PluginInfo } from '../../src/protocol/index.js';

const info = (id: string, over: Partial<PluginInfo> = {}): PluginInfo => ({
  id,
  name: id,
  version: '1.0.0',
  status: 'active',
  generation: 1,
  path: `/p/${id}`,
  supportsHotReload: true,
  supportsDisable: true,
  dependencies: [],
  isolation: 'shared',
  reloads: { count: 0, failed: 0, successRate: null },
  activation: {},
  ...over,
});
const reload = (id: string, over: Partial<DidReloadParams> = {}): DidReloadParams => ({
  id,
  ok: true,
  generation: 2,
  status: 'active',
  durationMs: 5,
  trigger: 'file',
  changedFiles: [`/p/${id}/index.ts`],
  ...over,
});
const listed = withPluginList(EMPTY_STATE, [info('a'), info('b', { dependencies: ['a'] })]);
const AT = '2026-12-01T12:00:00.000Z';

describe("the dashboard's model", () => {
  it('applies a reload to its row in place: generation, counts, last reload, chart', () => {
    const next = withReload(listed, reload('a'), AT);
    const row = next.plugins.get('a');
    expect(row?.info).toMatchObject({
      generation: 2,
      status: 'active',
      reloads: { count: 1, failed: 0, successRate: 1 },
      lastReload: { at: AT, ok: true, durationMs: 5, trigger: 'file' },
    });
    expect(row?.durations).toEqual([5]);
    expect(next.plugins.get('b')).toBe(listed.plugins.get('b')); // untouched rows keep identity
    expect([...next.plugins.keys()]).toEqual(['a', 'b']);
    expect(next.reloads[0]).toMatchObject({ id: 'a', key: 1, at: AT });
  });

  it('does not count a first load as a reload, and shows a rollback as such', () => {
    const first = withReload(listed, reload('a', { trigger: 'startup', generation: 1 }), AT);
    expect(first.plugins.get('a')?.info.reloads.count).toBe(0);
    const failed = withReload(
      listed,
      reload('a', { ok: false, rolledBack: true, generation: 1 }),
      AT,
    );
    const row = failed.plugins.get('a');
    expect(row && shownStatus(row)).toBe(ShownStatus.RolledBack);
    expect(row?.info.reloads).toEqual({ count: 1, failed: 1, successRate: 0 });
    const never = withReload(listed, reload('a', { ok: false, generation: 0 }), AT);
    expect(never.plugins.get('a')?.info.status).toBe('failed');
  });

  it('keeps the last CHART_POINTS durations only', () => {
    let state = listed;
    for (let i = 0; i < CHART_POINTS + 5; i++)
      state = withReload(state, reload('a', { durationMs: i }), AT);
    const durations = state.plugins.get('a')?.durations ?? [];
    expect(durations.length).toBe(CHART_POINTS);
    expect(durations[0]).toBe(5);
  });

  it('shows removed and restart-required plugins, and keeps a removed row greyed', () => {
    const removed = withStatusChange(listed, { id: 'a', status: 'removed', generation: 1 });
    const row = removed.plugins.get('a');
    expect(row && shownStatus(row)).toBe(ShownStatus.Removed);
    const relisted = withPluginList(removed, [info('b')]);
    expect(relisted.plugins.get('a')?.removed).toBe(true);
    const restart = withDiagnostics(listed, 'b', [
      { pluginId: 'b', severity: 'warning', code: 'RELOADD_RESTART_REQUIRED', message: 'm' },
    ]);
    const b = restart.plugins.get('b');
    expect(b && shownStatus(b)).toBe(ShownStatus.RestartRequired);
    expect(withDiagnostics(restart, 'b', []).diagnostics.has('b')).toBe(false);
  });

  it('draws the chain: changed files → plugin → its dependents → outcome', () => {
    let state = withReload(listed, reload('a'), AT);
    state = withReload(
      state,
      reload('b', { trigger: 'dependency', causedBy: ['a'], changedFiles: undefined }),
      AT,
    );
    const [bEvent, aEvent] = state.reloads as [ReloadEvent, ReloadEvent];
    expect(causeChain(aEvent, state.reloads)).toEqual([
      { kind: 'files', files: ['/p/a/index.ts'] },
      { kind: 'plugin', id: 'a', generation: 2, ok: true },
      { kind: 'dependents', ids: ['b'] },
      { kind: 'outcome', outcome: 'ok', generation: 2 },
    ]);
    expect(causeChain(bEvent, state.reloads)[0]).toEqual({ kind: 'dependency', ids: ['a'] });
    const asked = withReload(
      listed,
      reload('a', { trigger: 'request', requestedBy: { clientId: 3, name: 'cli' } }),
      AT,
    ).reloads[0] as ReloadEvent;
    expect(causeChain(asked, [])[0]).toEqual({ kind: 'request', client: 'client 3 (cli)' });
  });

  it('seeds the timeline from replayed reload trace lines, oldest last, once', () => {
    const entry = (seq: number, id: string, trigger: string): LogEntry => ({
      seq,
      time: AT,
      level: 'info',
      message: 'reloaded',
      pluginId: id,
      reload: {
        trigger,
        ok: true,
        generation: seq,
        durationMs: seq,
        phases: {
          build: 1,
          evaluate: 1,
          saveState: 0,
          deactivate: 0,
          activate: 0,
          restoreState: 0,
        },
      },
    });
    const entries = [
      entry(1, 'a', 'startup'),
      entry(2, 'a', 'file'),
      { ...entry(3, 'b', 'file'), reload: undefined },
    ];
    const seeded = withReplayedReloads(withLogs(listed, entries), entries);
    expect(seeded.reloads.map((r) => [r.id, r.generation])).toEqual([
      ['a', 2],
      ['a', 1],
    ]);
    expect(seeded.plugins.get('a')?.durations).toEqual([1, 2]);
    expect(seeded.logs.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(withReplayedReloads(seeded, entries)).toBe(seeded);
    expect(withLogs(seeded, entries)).toBe(seeded); // entries already seen are not added twice
  });
});
