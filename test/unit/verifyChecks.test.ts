import { describe, expect, it } from 'vitest';
import {
  CheckName,
  firstDifference,
  heapGrowth,
  judge,
  MAX_HEAP_SLOPE_BYTES,
  type PluginObservations,
} from '../../src/daemon/verify/verifyChecks.js';

const clean: PluginObservations = {
  id: 'p',
  driven: [{ what: 'command p.get' }],
  reloads: [{ ok: true, before: { state: { n: 1 } }, after: { state: { n: 1 } } }],
  diagnostics: [],
  unload: { expected: 1, collected: 1, retained: [] },
  heapBytes: [1e6, 1e6, 1e6],
};

describe("reloadd verify's checks", () => {
  it('passes a plugin that did everything right, check by check', () => {
    const results = judge(clean);
    expect(results.map((r) => r.name)).toEqual(Object.values(CheckName));
    expect(results.every((r) => r.ok && r.reasons.length === 0)).toBe(true);
  });

  it('says only why it did not load, when it did not', () => {
    expect(judge({ ...clean, loadError: 'RELOADD_BUILD_FAILED: x' })).toEqual([
      { name: CheckName.Loads, ok: false, reasons: ['RELOADD_BUILD_FAILED: x'] },
    ]);
  });

  it('names where states first differ, and a Map that came back as an object', () => {
    expect(
      firstDifference({ state: { items: [1, 2, 3, 4] } }, { state: { items: [1, 2, 3, 5] } }),
    ).toBe('state.items[3]');
    expect(firstDifference({ state: { 'a b': 1 } }, { state: {} })).toBe('state["a b"]');
    expect(
      firstDifference({ state: { m: {} }, types: { '/m': 'Map' } }, { state: { m: {} } }),
    ).toBe('state.m');
    expect(
      firstDifference({ state: { a: [1, { b: 2 }] } }, { state: { a: [1, { b: 2 }] } }),
    ).toBeUndefined();
  });

  it('turns diagnostics into reasons, each once, under their check', () => {
    const leak = {
      pluginId: 'p',
      severity: 'warning' as const,
      code: 'RELOADD_UNLOAD_LEAK',
      message: "Plugin 'p' did not fully unload: 1 interval (tick)\nmore",
    };
    const results = judge({ ...clean, diagnostics: [leak, leak] });
    expect(results.find((r) => r.name === CheckName.UnloadsCleanly)).toEqual({
      name: CheckName.UnloadsCleanly,
      ok: false,
      reasons: ["Plugin 'p' did not fully unload: 1 interval (tick)"],
    });
  });

  it('fails unload checks that did not come in time, and a heap that keeps growing', () => {
    const late = judge({ ...clean, unload: { expected: 3, collected: 1, retained: [] } });
    expect(late.find((r) => r.name === CheckName.BecomesGarbage)?.reasons).toEqual([
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
