import { describe, expect, it } from 'vitest';
import {
  CHART_POINTS,
  ConnectionState,
  causeChain,
  connectionNotice,
  EMPTY_STATE,
  LINK_COMMAND,
  type ReloadEvent,
  rowStatus,
  type SessionStart,
  ShownStatus,
  shownStatus,
  withConnection,
  withDiagnostics,
  withLogs,
  withPluginList,
  withReload,
  withReplayedReloads,
  withSession,
  withStatusChange,
} from '../../../src/clients/dashboard/model/dashboardState.js';
import { clock } from '../../../src/clients/dashboard/model/format.js';
import {
  afterScroll,
  FOLLOWING,
  type LogFilter,
  TAIL_LINES,
  tailView,
} from '../../../src/clients/dashboard/model/logTail.js';
import type { DidReloadParams, LogEntry, PluginInfo } from '../../../src/protocol/index.js';

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

  it('does not count a first load as a reload, and says in the row that the last reload failed', () => {
    const first = withReload(listed, reload('a', { trigger: 'startup', generation: 1 }), AT);
    expect(first.plugins.get('a')?.info.reloads.count).toBe(0);
    const error = { code: 'RELOADD_ACTIVATE_FAILED', message: 'activate exploded' };
    const failed = withReload(
      listed,
      reload('a', { ok: false, rolledBack: true, generation: 1, error }),
      AT,
    );
    const row = failed.plugins.get('a');
    expect(row && rowStatus(row)).toEqual({
      status: ShownStatus.Active,
      note: 'last reload failed',
      why: 'RELOADD_ACTIVATE_FAILED: activate exploded (generation 1 was brought back with its state)',
    });
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

  it('says the last reload failed from plugin/list alone (a page opened after it), until one succeeds', () => {
    const build = { code: 'RELOADD_BUILD_FAILED', message: 'Unexpected ";"' };
    const after = withPluginList(EMPTY_STATE, [
      info('a', {
        lastReload: { at: AT, ok: false, durationMs: 9, trigger: 'file', error: build },
      }),
      info('b', {
        status: 'failed',
        lastReload: { at: AT, ok: false, durationMs: 9, trigger: 'file' },
      }),
    ]);
    const a = after.plugins.get('a');
    expect(a && rowStatus(a)).toEqual({
      status: ShownStatus.Active,
      note: 'last reload failed',
      why: 'RELOADD_BUILD_FAILED: Unexpected ";" (generation 1 runs on)',
    });
    // A failed plugin runs nothing older: its status says it all.
    const b = after.plugins.get('b');
    expect(b && rowStatus(b)).toEqual({ status: ShownStatus.Failed });
    const fixed = withReload(after, reload('a'), AT).plugins.get('a');
    expect(fixed && rowStatus(fixed)).toEqual({ status: ShownStatus.Active });
  });

  it('marks what it shows stale from the moment its session ends, and says why and what to run', () => {
    const LATER = '2026-12-01T12:05:00.000Z';
    expect(connectionNotice(EMPTY_STATE, 'h:1')).toBeUndefined();
    const up = withSession(EMPTY_STATE, start([info('a')]));
    expect(up.connection).toBe(ConnectionState.Connected);
    expect(connectionNotice(up, 'h:1')).toBeUndefined();

    const gone = withConnection(up, ConnectionState.Unreachable, AT);
    expect(gone.staleSince).toBe(AT);
    expect(gone.plugins).toBe(up.plugins); // the rows stay, marked
    const goneNotice = connectionNotice(gone, '127.0.0.1:7357');
    expect(goneNotice).toMatchObject({ kind: 'gone', command: LINK_COMMAND });
    expect(goneNotice?.text).toContain(
      `Nothing answers at 127.0.0.1:7357: the daemon stopped at ${clock(AT)}`,
    );
    expect(goneNotice?.text).toContain('reconnects by itself');
    expect(goneNotice?.text).toContain('new token');

    // Still away later: stale since it went, not since the last attempt.
    expect(withConnection(gone, ConnectionState.Unreachable, LATER)).toBe(gone);
    const refused = withConnection(gone, ConnectionState.Unauthorised, LATER);
    expect(refused.staleSince).toBe(AT);
    const refusedNotice = connectionNotice(refused, '127.0.0.1:7357');
    expect(refusedNotice).toMatchObject({ kind: 'new-token', title: 'The daemon was restarted' });
    expect(refusedNotice?.text).toContain('cannot rejoin');

    // A page that never had a session was opened without a (good) link.
    const never = withConnection(EMPTY_STATE, ConnectionState.Unauthorised, AT);
    expect(connectionNotice(never, 'h:1')).toMatchObject({
      kind: 'no-link',
      command: LINK_COMMAND,
    });
    expect(never.staleSince).toBeUndefined();

    const back = withSession(gone, start([info('a', { generation: 5 })]));
    expect(back.staleSince).toBeUndefined();
    expect(back.plugins.get('a')?.info.generation).toBe(5);
    expect(connectionNotice(back, 'h:1')).toBeUndefined();
  });

  it('catches up on rejoining: the log and the reloads it missed, once each', () => {
    const first = withSession(EMPTY_STATE, start([info('a')], [trace(1, 1, 'startup')]));
    const heardLive = withReload(
      first,
      reload('a', { generation: 2, durationMs: 2 }),
      '2026-12-01T12:00:02.000Z',
    );
    const away = withConnection(heardLive, ConnectionState.Unreachable, AT);
    // The replay holds what the page saw (1, 2), and what it missed while away (3).
    const replay = [trace(1, 1, 'startup'), trace(2, 2, 'file'), trace(3, 3, 'file')];
    const back = withSession(away, start([info('a', { generation: 3 })], replay));
    expect(back.logs.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(back.reloads.map((r) => r.generation)).toEqual([3, 2, 1]);
    expect(withSession(back, start([info('a', { generation: 3 })], replay)).reloads).toBe(
      back.reloads,
    );
  });

  it("follows the log's newest line, holds still while scrolled up, and counts what came", () => {
    const all: LogFilter = { level: 'info', pluginId: '', text: '' };
    const logs = Array.from({ length: TAIL_LINES + 10 }, (_, i) => line(i + 1, i % 2 ? 'a' : 'b'));
    const followed = tailView(logs, all, FOLLOWING);
    expect(followed.lines.length).toBe(TAIL_LINES);
    expect(followed.lines.at(-1)?.seq).toBe(TAIL_LINES + 10);
    // Scrolled up: what is shown stays, the rest is counted.
    const up = afterScroll(FOLLOWING, logs, {
      scrollTop: 100,
      scrollHeight: 5000,
      clientHeight: 480,
    });
    expect(up.following).toBe(false);
    const more = [...logs, line(400, 'a'), line(401, 'b'), line(402, 'a')];
    const held = tailView(more, all, up);
    expect(held.lines).toEqual(followed.lines);
    expect(held.waiting).toBe(3);
    expect(tailView(more, { ...all, pluginId: 'a' }, up).waiting).toBe(2);
    // Back at the end (within a fraction of a line): following again.
    expect(afterScroll(up, more, { scrollTop: 4515, scrollHeight: 5000, clientHeight: 480 })).toBe(
      FOLLOWING,
    );
    expect(
      afterScroll(FOLLOWING, more, { scrollTop: 4520, scrollHeight: 5000, clientHeight: 480 }),
    ).toBe(FOLLOWING);
    // Scrolling further up while held keeps the lines of the moment it was left.
    expect(afterScroll(up, more, { scrollTop: 0, scrollHeight: 5000, clientHeight: 480 })).toBe(up);
  });
});

function start(plugins: PluginInfo[], replay: LogEntry[] = []): SessionStart {
  return { plugins, diagnostics: [], replay, status: {} as SessionStart['status'] };
}

function trace(seq: number, generation: number, trigger: string): LogEntry {
  return {
    seq,
    time: `2026-12-01T12:00:0${seq}.000Z`,
    level: 'info',
    message: 'reloaded',
    pluginId: 'a',
    reload: {
      trigger,
      ok: true,
      generation,
      durationMs: generation,
      phases: { build: 1, evaluate: 1, saveState: 0, deactivate: 0, activate: 0, restoreState: 0 },
    },
  };
}

function line(seq: number, pluginId: string): LogEntry {
  return { seq, time: AT, level: 'info', message: `line ${seq}`, pluginId };
}
