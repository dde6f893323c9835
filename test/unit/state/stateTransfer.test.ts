import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  extractState,
  intoRealm,
  type RealmIntrinsics,
  toJsonValue,
} from '../../../src/daemon/crossing/stateTransfer.js';

const realm = () =>
  vm.runInContext(
    '({ Object, Array, Date, Map, Set, RegExp, Error, ArrayBuffer, Uint8Array })',
    vm.createContext({}),
  ) as RealmIntrinsics;

describe('extractState', () => {
  it('copies what structured clone copies, keeping shared and circular references', () => {
    const shared = { n: 1 };
    const state: Record<string, unknown> = {
      a: shared,
      b: shared,
      when: new Date(7),
      tags: new Set(['x']),
      map: new Map([[1, 'one']]),
      bytes: new Uint8Array([1, 2]),
    };
    state.self = state;
    const { value, problems } = extractState(state);
    const copy = value as typeof state;
    expect(problems).toEqual([]);
    expect(copy).not.toBe(state);
    expect(copy.a).toBe(copy.b);
    expect(copy.self).toBe(copy);
    expect(copy.when).toEqual(new Date(7));
    expect(copy.tags).toEqual(new Set(['x']));
    expect(copy.map).toEqual(new Map([[1, 'one']]));
    expect(copy.bytes).toEqual(new Uint8Array([1, 2]));
  });

  it('names the path of functions, symbols, promises and class instances', () => {
    class Panel {
      x = 1;
    }
    const { value, problems } = extractState({
      panel: { onClick() {}, inner: new Panel() },
      list: [Symbol('s'), 2],
      wait: Promise.resolve(),
    });
    expect(problems).toEqual([
      { path: 'state.panel.onClick', reason: 'is a function' },
      {
        path: 'state.panel.inner',
        reason: 'is an instance of class Panel; it is saved as a plain object without its methods',
      },
      { path: 'state.list[0]', reason: 'is a symbol' },
      { path: 'state.wait', reason: 'is a Promise, which cannot be saved' },
    ]);
    expect(value).toEqual({ panel: { inner: { x: 1 } }, list: [undefined, 2] });
  });

  it('accepts plain objects and arrays of another realm as plain', () => {
    const foreign = vm.runInNewContext('({ list: [1, { deep: true }], when: new Date(3) })');
    const { value, problems } = extractState(foreign);
    expect(problems).toEqual([]);
    expect(value).toEqual({ list: [1, { deep: true }], when: new Date(3) });
  });
});

describe('intoRealm', () => {
  it('makes objects of the target realm, so instanceof works there', () => {
    const target = realm();
    const copy = intoRealm(
      {
        list: [1],
        when: new Date(1),
        tags: new Set([1]),
        bytes: new Uint8Array([9]),
        raw: new Uint8Array([4, 2]).buffer,
      },
      target,
    ) as Record<string, unknown>;
    expect(copy instanceof target.Object).toBe(true);
    expect(copy instanceof Object).toBe(false);
    expect(copy.list instanceof target.Array).toBe(true);
    expect(copy.when instanceof target.Date).toBe(true);
    expect(copy.tags instanceof target.Set).toBe(true);
    expect(copy.bytes instanceof (target.Uint8Array as typeof Uint8Array)).toBe(true);
    expect(copy.raw instanceof (target.ArrayBuffer as typeof ArrayBuffer)).toBe(true);
    expect([...new Uint8Array(copy.raw as ArrayBuffer)]).toEqual([4, 2]);
  });
});

describe('toJsonValue', () => {
  it('gives clients plain JSON', () => {
    expect(
      toJsonValue({
        when: new Date(0),
        tags: new Set([1]),
        map: new Map([[2, 'x']]),
        big: 10n,
        gone: undefined,
        fn: () => 1,
      }),
    ).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      tags: [1],
      map: { 2: 'x' },
      big: '10',
      fn: null,
    });
  });
});
