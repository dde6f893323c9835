import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/clients/index.js';
import { LogRing } from '../../../src/daemon/logs/LogRing.js';
import type { LogEntry } from '../../../src/protocol/index.js';

/** A pino line, as pino writes it. */
const line = (level: number, msg: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ level, time: 1_700_000_000_000, pid: 1, hostname: 'h', msg, ...fields });

describe('LogRing', () => {
  it('keeps the last N entries, numbered, with the plugin and fields pulled out', () => {
    const ring = new LogRing(3);
    for (let i = 1; i <= 5; i++) ring.write(line(30, `entry ${i}`, { plugin: 'p', file: 'f' }));
    expect(ring.snapshot().map((e) => [e.seq, e.message])).toEqual([
      [3, 'entry 3'],
      [4, 'entry 4'],
      [5, 'entry 5'],
    ]);
    expect(ring.snapshot()[0]).toEqual({
      seq: 3,
      time: new Date(1_700_000_000_000).toISOString(),
      level: 'info',
      message: 'entry 3',
      pluginId: 'p',
      data: { file: 'f' },
    });
  });

  it('replays what matches, then streams live entries, with nothing missed or doubled', () => {
    const ring = new LogRing(100);
    ring.write(line(20, 'debug a'));
    ring.write(line(30, 'info a', { plugin: 'a' }));
    ring.write(line(40, 'warn b', { plugin: 'b' }));
    const got: LogEntry[] = [];
    const sub = ring.subscribe({ level: 'info' }, (e) => got.push(e));
    expect(sub).toMatchObject({ replayed: 2, complete: true });
    ring.write(line(50, 'error a', { plugin: 'a' }));
    ring.write(line(10, 'trace a', { plugin: 'a' }));
    expect(got.map((e) => e.message)).toEqual(['info a', 'warn b', 'error a']);
    sub.dispose();
    ring.write(line(50, 'after'));
    expect(got).toHaveLength(3);

    const onlyA: string[] = [];
    ring.subscribe({ level: 'trace', pluginId: 'a' }, (e) => onlyA.push(e.message));
    expect(onlyA).toEqual(['info a', 'error a', 'trace a']);
  });

  it('resumes after `since`, and says when entries were lost in between', () => {
    const ring = new LogRing(2);
    for (let i = 1; i <= 4; i++) ring.write(line(30, `m${i}`));
    const resumed: number[] = [];
    expect(ring.subscribe({ since: 3 }, (e) => resumed.push(e.seq))).toMatchObject({
      replayed: 1,
      complete: true,
    });
    expect(resumed).toEqual([4]);
    // Entries 2 and 3 have left a buffer of two.
    expect(ring.subscribe({ since: 1 }, () => undefined).complete).toBe(false);
    // A `since` past anything this ring has numbered comes from another daemon's lifetime.
    expect(ring.subscribe({ since: 99 }, () => undefined).complete).toBe(false);
  });

  it('keeps a reload trace as structured figures, and truncates what is too big to keep', () => {
    const ring = new LogRing(10);
    const reload = {
      trigger: 'file',
      ok: true,
      generation: 2,
      durationMs: 4,
      phases: {
        detect: 20,
        build: 2,
        evaluate: 3,
        saveState: 0,
        deactivate: 0,
        activate: 1,
        restoreState: 0,
      },
    };
    ring.write(line(30, 'reloaded', { plugin: 'p', reload }));
    ring.write(line(30, 'x'.repeat(100_000), { blob: 'y'.repeat(100_000) }));
    ring.write('not json');
    const [trace, huge] = ring.snapshot();
    expect(trace?.reload).toEqual(reload);
    expect(trace?.data).toBeUndefined();
    expect(huge?.message.length).toBeLessThan(17_000);
    expect(huge?.message).toMatch(/… \(83616 more characters\)$/);
    expect(huge?.data).toEqual({
      truncated: expect.stringContaining('characters of fields left out'),
    });
    expect(ring.snapshot()).toHaveLength(2);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, with up to half taken off at random', () => {
    const options = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelay(2, options, () => 0)).toBe(200);
    expect(backoffDelay(1000, options, () => 0.5)).toBe(750);
  });
});
