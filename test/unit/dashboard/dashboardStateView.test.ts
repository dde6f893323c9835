import { describe, expect, it } from 'vitest';
import {
  diffStates,
  historyRows,
  MAX_CHANGES,
  pointerChild,
  summarize,
} from '../../../src/clients/dashboard/model/stateView.js';
import type { SnapshotInfo } from '../../../src/protocol/index.js';

describe("the state inspector's tree and diff", () => {
  it('shows what JSON flattened as what it was, by JSON Pointer', () => {
    const types = {
      '/opened': 'Date',
      '/tags': 'Set',
      '/byId': 'Map',
      '/bytes': 'Uint8Array',
      '/n': 'bigint',
    };
    expect(summarize('2026-12-01T00:00:00.000Z', '/opened', types)).toMatchObject({
      label: 'Date 2026-12-01T00:00:00.000Z',
      kind: 'date',
    });
    expect(summarize(['a', 'b'], '/tags', types)).toMatchObject({ label: 'Set(2)', kind: 'set' });
    expect(summarize({ x: 1 }, '/byId', types)).toMatchObject({
      label: 'Map(1)',
      children: [['x', '/byId/x', 1]],
    });
    expect(summarize([1, 2, 3], '/bytes', types)).toMatchObject({
      label: 'Uint8Array(3) [1 2 3]',
      children: [],
    });
    expect(summarize('12', '/n', types).label).toBe('bigint "12"');
    expect(summarize({ a: 1, b: 2 }, '', {})).toMatchObject({ label: 'Object(2)', kind: 'object' });
    expect(summarize([], '/e', {})).toMatchObject({ label: 'Array(0)', children: [] });
  });

  it('escapes keys into pointers as RFC 6901 says', () => {
    expect(pointerChild('', 'a/b~c')).toBe('/a~1b~0c');
  });

  it('lists what was added, removed and changed, leaf by leaf', () => {
    const before = { count: 1, items: ['a', 'b'], gone: true, nested: { x: 1 } };
    const after = { count: 2, items: ['a', 'c', 'd'], nested: { x: 1 }, fresh: null };
    expect(diffStates(before, after)).toEqual({
      changes: [
        { pointer: '/count', kind: 'changed', before: 1, after: 2 },
        { pointer: '/items/1', kind: 'changed', before: 'b', after: 'c' },
        { pointer: '/items/2', kind: 'added', after: 'd' },
        { pointer: '/gone', kind: 'removed', before: true },
        { pointer: '/fresh', kind: 'added', after: null },
      ],
      more: 0,
    });
    expect(diffStates({ a: [1] }, { a: { 0: 1 } }).changes).toEqual([
      { pointer: '/a', kind: 'changed', before: [1], after: { 0: 1 } },
    ]);
    expect(diffStates(null, { a: 1 }).changes).toEqual([
      { pointer: '/', kind: 'changed', before: null, after: { a: 1 } },
    ]);
    expect(diffStates({ same: [1, { b: 2 }] }, { same: [1, { b: 2 }] }).changes).toEqual([]);
  });

  it('stops listing at MAX_CHANGES and says how many more', () => {
    const after = Array.from({ length: MAX_CHANGES + 7 }, (_, i) => i);
    const { changes, more } = diffStates([], after);
    expect([changes.length, more]).toEqual([MAX_CHANGES, 7]);
  });

  it('lists the history with the newest of each generation restorable, and marks what was taken while running', () => {
    const snapshot = (generation: number, takenBy: SnapshotInfo['takenBy']): SnapshotInfo => ({
      generation,
      savedAt: `2026-12-01T12:00:0${generation}.000Z`,
      sizeBytes: 20,
      takenBy,
      stateVersion: null,
    });
    const rows = historyRows([
      snapshot(3, 'activity'),
      snapshot(3, 'request'),
      snapshot(2, 'reload'),
      snapshot(1, 'reload'),
    ]);
    expect(rows.map((r) => [r.snapshot.generation, r.running, r.restorable])).toEqual([
      [3, true, true],
      [3, false, false],
      [2, false, true],
      [1, false, true],
    ]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(4);
  });
});
