import { types } from 'node:util';
import { pointerChild } from '../../protocol/stateDiff.js';

/** Something in a plugin's state that cannot cross to the next generation as it is. */
export interface StateProblem {
  /** Where it is, as a plugin author would write it: `state.panel.onClick`. */
  path: string;
  reason: string;
}

/** The constructors of one realm, so that copies can be made of that realm's own kinds. */
export type RealmIntrinsics = Pick<
  typeof globalThis,
  'Object' | 'Array' | 'Date' | 'Map' | 'Set' | 'RegExp' | 'Error' | 'ArrayBuffer' | 'Uint8Array'
> &
  Record<string, unknown>;

const TYPED_ARRAY_NAMES = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

type TypedArrayCtor = new (source: ArrayLike<number> | ArrayLike<bigint>) => object;

function tagOf(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  // Object.prototype of *any* realm has a null prototype; that is how a plain object from a
  // plugin's realm is told from an instance of a class it defined.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Copies a plugin's state out of its realm into plain data of the daemon's realm, with the same
 * rules as structured clone (plain objects, arrays, Date, Map, Set, RegExp, Error, typed arrays;
 * shared and circular references kept). What structured clone would refuse or silently change is
 * reported with its path: functions and symbols are dropped, class instances become plain objects.
 */
export function extractState(value: unknown): { value: unknown; problems: StateProblem[] } {
  const problems: StateProblem[] = [];
  const seen = new Map<object, unknown>();
  const DROP = Symbol('drop');

  const copy = (v: unknown, at: string): unknown => {
    if (typeof v === 'function') {
      problems.push({ path: at, reason: 'is a function' });
      return DROP;
    }
    if (typeof v === 'symbol') {
      problems.push({ path: at, reason: 'is a symbol' });
      return DROP;
    }
    if (v === null || typeof v !== 'object') return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    // Most of a state is plain objects: they skip the checks for every other kind below.
    if (isPlainObject(v) && !types.isProxy(v)) return copyKeys(v, at);

    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      v.forEach((item, i) => {
        const c = copy(item, `${at}[${i}]`);
        out.push(c === DROP ? undefined : c);
      });
      return out;
    }
    if (types.isDate(v)) return remember(v, new Date((v as Date).getTime()));
    if (types.isRegExp(v))
      return remember(v, new RegExp((v as RegExp).source, (v as RegExp).flags));
    if (types.isNativeError(v)) {
      const e = v as Error;
      const out = new Error(e.message);
      out.name = e.name;
      if (e.stack) out.stack = e.stack;
      return remember(v, out);
    }
    if (types.isMap(v)) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, item] of v as Map<unknown, unknown>) {
        const ck = copy(k, `${at}<key>`);
        const cv = copy(item, `${at}.get(${describeKey(k)})`);
        if (ck !== DROP && cv !== DROP) out.set(ck, cv);
      }
      return out;
    }
    if (types.isSet(v)) {
      const out = new Set();
      seen.set(v, out);
      for (const item of v as Set<unknown>) {
        const c = copy(item, `${at}<item>`);
        if (c !== DROP) out.add(c);
      }
      return out;
    }
    if (types.isTypedArray(v)) {
      const Ctor = (globalThis as unknown as Record<string, TypedArrayCtor>)[tagOf(v)];
      if (Ctor) return remember(v, new Ctor(v as unknown as ArrayLike<number>));
    }
    if (types.isArrayBuffer(v)) return remember(v, (v as ArrayBuffer).slice(0));
    if (types.isPromise(v) || types.isWeakMap(v) || types.isWeakSet(v) || types.isProxy(v)) {
      problems.push({ path: at, reason: `is a ${tagOf(v)}, which cannot be saved` });
      return DROP;
    }
    if (!isPlainObject(v)) {
      const name = (v as { constructor?: { name?: string } }).constructor?.name || 'anonymous';
      problems.push({
        path: at,
        reason: `is an instance of class ${name}; it is saved as a plain object without its methods`,
      });
    }
    return copyKeys(v, at);
  };

  function copyKeys(v: object, at: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const key of Object.keys(v)) {
      const c = copy((v as Record<string, unknown>)[key], `${at}.${key}`);
      if (c === DROP) continue;
      if (key === '__proto__') define(out, key, c);
      else out[key] = c;
    }
    return out;
  }

  function remember<T>(from: object, to: T): T {
    seen.set(from, to);
    return to;
  }

  const out = copy(value, 'state');
  return { value: out === DROP ? undefined : out, problems };
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}

/**
 * Copies plain data (as `extractState` makes it) into another realm, so that the next generation
 * gets objects of its own realm: `state instanceof Array` and `instanceof Date` hold there.
 */
export function intoRealm(value: unknown, realm: RealmIntrinsics): unknown {
  const seen = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    // Plain data of this realm: a plain object is the common case, and needs none of the checks.
    if (Object.getPrototypeOf(v) === Object.prototype) return copyKeys(v);
    if (Array.isArray(v)) {
      const out = new realm.Array();
      seen.set(v, out);
      for (const item of v) out.push(copy(item));
      return out;
    }
    if (types.isDate(v)) return remember(v, new realm.Date((v as Date).getTime()));
    if (types.isRegExp(v))
      return remember(v, new realm.RegExp((v as RegExp).source, (v as RegExp).flags));
    if (types.isNativeError(v)) {
      const out = new realm.Error((v as Error).message);
      out.name = (v as Error).name;
      return remember(v, out);
    }
    if (types.isMap(v)) {
      const out = new realm.Map();
      seen.set(v, out);
      for (const [k, item] of v as Map<unknown, unknown>) out.set(copy(k), copy(item));
      return out;
    }
    if (types.isSet(v)) {
      const out = new realm.Set();
      seen.set(v, out);
      for (const item of v as Set<unknown>) out.add(copy(item));
      return out;
    }
    if (types.isArrayBuffer(v)) {
      const out = new realm.ArrayBuffer((v as ArrayBuffer).byteLength);
      new realm.Uint8Array(out).set(new Uint8Array(v as ArrayBuffer));
      return remember(v, out);
    }
    if (types.isTypedArray(v)) {
      const name = tagOf(v);
      const Ctor = TYPED_ARRAY_NAMES.includes(name as (typeof TYPED_ARRAY_NAMES)[number])
        ? (realm[name] as TypedArrayCtor | undefined)
        : undefined;
      if (Ctor) return remember(v, new Ctor(v as unknown as ArrayLike<number>));
    }
    return copyKeys(v);
  };
  function copyKeys(v: object): Record<string, unknown> {
    const out = new realm.Object() as Record<string, unknown>;
    seen.set(v, out);
    for (const key of Object.keys(v)) {
      const value = copy((v as Record<string, unknown>)[key]);
      // A "__proto__" key in the data stays a plain key, not the object's prototype.
      if (key === '__proto__') define(out, key, value);
      else out[key] = value;
    }
    return out;
  }
  function remember<T>(from: object, to: T): T {
    seen.set(from, to);
    return to;
  }
  return copy(value);
}

/**
 * A JSON view of saved state for clients: Date → ISO string, Map → object (keys stringified),
 * Set → array, bigint → string, typed arrays → arrays of numbers. Given `flattened`, it also notes
 * what each flattened value was, by JSON Pointer (`plugin/getState`'s `types`), so that a state
 * inspector can show a Map as a Map.
 */
export function toJsonValue(value: unknown, flattened?: Record<string, string>): unknown {
  const seen = new Set<object>();
  const note = (at: string, type: string) => {
    if (flattened) flattened[at] = type;
  };
  const child = (at: string, key: string) => (flattened ? pointerChild(at, key) : '');
  const convert = (v: unknown, at: string): unknown => {
    if (typeof v === 'bigint') {
      note(at, 'bigint');
      return v.toString();
    }
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return null;
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    try {
      if (types.isDate(v)) {
        note(at, 'Date');
        return Number.isNaN((v as Date).getTime()) ? null : (v as Date).toISOString();
      }
      if (types.isRegExp(v)) {
        note(at, 'RegExp');
        return String(v);
      }
      if (types.isNativeError(v)) {
        note(at, 'Error');
        return { name: (v as Error).name, message: (v as Error).message };
      }
      if (types.isMap(v)) {
        note(at, 'Map');
        return Object.fromEntries(
          [...(v as Map<unknown, unknown>)].map(([k, x]) => [
            String(k),
            convert(x, child(at, String(k))),
          ]),
        );
      }
      if (types.isSet(v)) {
        note(at, 'Set');
        return [...(v as Set<unknown>)].map((x, i) => convert(x, child(at, String(i))));
      }
      if (types.isTypedArray(v)) {
        note(at, (v as object).constructor?.name ?? 'TypedArray');
        return Array.from(v as unknown as ArrayLike<number>);
      }
      if (types.isArrayBuffer(v)) {
        note(at, 'ArrayBuffer');
        return Array.from(new Uint8Array(v as ArrayBuffer));
      }
      if (Array.isArray(v)) return v.map((x, i) => convert(x, child(at, String(i))));
      return Object.fromEntries(
        Object.entries(v).flatMap(([k, x]) =>
          x === undefined ? [] : [[k, convert(x, child(at, k))]],
        ),
      );
    } finally {
      seen.delete(v);
    }
  };
  return convert(value, '');
}
