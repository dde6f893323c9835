import { describe, expect, it } from 'vitest';
import {
  CheckName,
  type CheckResult,
  heapGrowth,
  judge,
  MAX_HEAP_SLOPE_BYTES,
  type PluginObservations,
  stateLosses,
} from '../../../src/daemon/verify/verifyChecks.js';
import type { Diagnostic } from '../../../src/protocol/index.js';

const clean: PluginObservations = {
  id: 'p',
  driven: [{ what: 'command p.get' }],
  reloads: [{ ok: true, before: { state: { n: 1 } }, after: { state: { n: 1 } } }],
  motion: [],
  diagnostics: [],
  unload: { expected: 1, collected: 1, retained: [] },
  heapBytes: [1e6, 1e6, 1e6],
};

const lenient = { strict: false };

function check(results: CheckResult[], name: CheckName): CheckResult | undefined {
  return results.find((r) => r.name === name);
}

function diagnostic(code: string, message: string): Diagnostic {
  return { pluginId: 'p', severity: 'warning', code, message };
}

describe("reloadd verify's checks", () => {
  it('passes a plugin that did everything right, check by check, with nothing to say', () => {
    const results = judge(clean, lenient);
    expect(results.map((r) => r.name)).toEqual(Object.values(CheckName));
    expect(results.every((r) => r.ok && r.reasons.length === 0 && r.warnings.length === 0)).toBe(
      true,
    );
  });

  it('says only why it did not load, when it did not', () => {
    expect(judge({ ...clean, loadError: 'RELOADD_BUILD_FAILED: x' }, lenient)).toEqual([
      {
        name: CheckName.Loads,
        ok: false,
        reasons: ['RELOADD_BUILD_FAILED: x'],
        warnings: [],
      },
    ]);
  });

  it('fails state a reload did not keep, on a plugin with no commands too: every path added, removed or changed, named', () => {
    const kept = (before: unknown, after: unknown, types?: Record<string, string>) =>
      check(
        judge(
          {
            ...clean,
            driven: [],
            reloads: [
              {
                ok: true,
                before: { state: before, ...(types ? { types } : {}) },
                after: { state: after },
              },
            ],
          },
          lenient,
        ),
        CheckName.KeepsState,
      );
    expect(kept({ n: 0, at: 0 }, { n: 0 })).toEqual({
      name: CheckName.KeepsState,
      ok: false,
      reasons: ['state after reload 1 differs at state.at (removed)'],
      warnings: [],
    });
    expect(kept({ items: [1, 2, 3, 4] }, { items: [1, 2, 3, 5] })?.reasons).toEqual([
      'state after reload 1 differs at state.items[3] (changed)',
    ]);
    expect(kept({}, { 'a b': 1 })?.reasons).toEqual([
      'state after reload 1 differs at state["a b"] (added)',
    ]);
    // A Map that came back a plain object is not the state it was.
    expect(kept({ m: {} }, { m: {} }, { '/m': 'Map' })?.reasons).toEqual([
      'state after reload 1 differs at state.m (changed)',
    ]);
    expect(kept({ a: 1, b: 2, c: 3, d: 4, e: 5 }, {})?.reasons).toEqual([
      'state after reload 1 differs at state.a (removed), state.b (removed), state.c (removed) and 2 more',
    ]);
    expect(kept({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })?.ok).toBe(true);
  });

  it('fails a loss that happens at one reload only, though the reloads after it keep the state it left', () => {
    const results = judge(
      {
        ...clean,
        reloads: [
          { ok: true, before: { state: { n: 0, at: 0 } }, after: { state: { n: 0 } } },
          { ok: true, before: { state: { n: 0 } }, after: { state: { n: 0 } } },
          { ok: true, before: { state: { n: 0 } }, after: { state: { n: 0 } } },
        ],
      },
      lenient,
    );
    expect(check(results, CheckName.KeepsState)?.reasons).toEqual([
      'state after reload 1 differs at state.at (removed)',
    ]);
  });

  it('excuses a change only where the state was seen moving by itself, with no reload between', () => {
    const reload = { before: { state: { ticks: 3, at: 0 } }, after: { state: { ticks: 4 } } };
    const ticking = [{ from: { state: { ticks: 1, at: 0 } }, to: { state: { ticks: 2, at: 0 } } }];
    expect(stateLosses(reload, [])).toEqual([
      { pointer: '/ticks', kind: 'changed', before: 3, after: 4 },
      { pointer: '/at', kind: 'removed', before: 0 },
    ]);
    // Its timer moves the ticks: that change is its own; the key it dropped is still lost.
    expect(stateLosses(reload, ticking).map((c) => c.pointer)).toEqual(['/at']);
    // A list that grows by itself grows by other entries than the ones seen.
    const log = { before: { state: { log: ['a'] } }, after: { state: { log: ['a', 'b'] } } };
    const growing = [{ from: { state: { log: [] } }, to: { state: { log: ['a'] } } }];
    expect(stateLosses(log, growing)).toEqual([]);
    // Inside what moves, and around it.
    const deep = { before: { state: { s: { x: 1 } } }, after: { state: { s: { x: 2 } } } };
    expect(stateLosses(deep, [{ from: { state: { s: 1 } }, to: { state: { s: 2 } } }])).toEqual([]);
    expect(
      stateLosses({ before: { state: { s: 1 } }, after: { state: { s: 2 } } }, [
        { from: { state: { s: { x: 1 } } }, to: { state: { s: { x: 2 } } } },
      ]),
    ).toEqual([]);
    // A neighbour of an object moving does not excuse its siblings.
    expect(
      stateLosses({ before: { state: { a: 1, b: 1 } }, after: { state: { a: 2, b: 2 } } }, [
        { from: { state: { a: 0, b: 1 } }, to: { state: { a: 1, b: 1 } } },
      ]).map((c) => c.pointer),
    ).toEqual(['/b']);
  });

  it('warns of what reloadd removed itself at unload, and fails it only when strict', () => {
    const leak = diagnostic(
      'RELOADD_UNLOAD_LEAK',
      "Plugin 'p' did not fully unload: 1 command (g.inc)\nmore",
    );
    const seen = { ...clean, diagnostics: [leak, leak] };
    expect(check(judge(seen, lenient), CheckName.UnloadsCleanly)).toEqual({
      name: CheckName.UnloadsCleanly,
      ok: true,
      reasons: [],
      warnings: ["Plugin 'p' did not fully unload: 1 command (g.inc)"],
    });
    expect(check(judge(seen, { strict: true }), CheckName.UnloadsCleanly)).toEqual({
      name: CheckName.UnloadsCleanly,
      ok: false,
      reasons: ["Plugin 'p' did not fully unload: 1 command (g.inc)"],
      warnings: [],
    });
  });

  it('fails code of a generation that ran once its state was taken, strict or not', () => {
    const ran = diagnostic(
      'RELOADD_UNLOADED_CODE_RAN',
      'generation 1 ran after its state was taken: an interval (tick) of node:timers, …',
    );
    const overtaken = diagnostic(
      'RELOADD_CALLS_OVERTAKEN',
      '1 call was still running when the reload took the state, …',
    );
    const result = check(
      judge({ ...clean, diagnostics: [ran, overtaken] }, lenient),
      CheckName.NothingRunsLate,
    );
    expect(result).toEqual({
      name: CheckName.NothingRunsLate,
      ok: false,
      reasons: [ran.message, overtaken.message],
      warnings: [],
    });
  });

  it('fails unload checks that did not come in time, and a heap that keeps growing', () => {
    const late = judge({ ...clean, unload: { expected: 3, collected: 1, retained: [] } }, lenient);
    expect(check(late, CheckName.BecomesGarbage)?.reasons).toEqual([
      'only 1 of 3 unloaded generations were checked in time',
    ]);
    const step = MAX_HEAP_SLOPE_BYTES * 2;
    expect(heapGrowth([0, step, 2 * step, 3 * step])[0]).toMatch(
      /grew 1024 KiB per reload over 4 reloads/,
    );
    expect(heapGrowth([5e6, 4e6, 6e6, 5e6])).toEqual([]);
    expect(heapGrowth([0, 1e9])).toEqual([]); // two points say nothing of a slope
  });
});
