/**
 * Where two snapshots of a plugin's state differ, leaf by leaf, by JSON Pointer (RFC 6901) into
 * the JSON that `plugin/getState` gives: the dashboard's state inspector lists the changes, and
 * `reloadd verify` names the first. Plain functions, no dependencies.
 */

/** The pointer of `key` under `pointer`: `/items/3`, with `~` and `/` in keys escaped. */
export function pointerChild(pointer: string, key: string): string {
  return `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** A pointer as a person reads a path: `/items/3` → `state.items[3]`, `/a b` → `state["a b"]`. */
export function pathOfPointer(pointer: string, root = 'state'): string {
  if (pointer === '' || pointer === '/') return root;
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (path, key) =>
        /^\d+$/.test(key)
          ? `${path}[${key}]`
          : /^[A-Za-z_$][\w$]*$/.test(key)
            ? `${path}.${key}`
            : `${path}[${JSON.stringify(key)}]`,
      root,
    );
}

export interface StateChange {
  pointer: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** The most changes listed; past it the diff says how many more there were. */
export const MAX_CHANGES = 200;

/**
 * What changed from one snapshot to the next, leaf by leaf, as JSON Pointers ("/items/3"); a
 * value whose type changed (an array that became an object) counts as one change.
 */
export function diffStates(
  before: unknown,
  after: unknown,
  /** `plugin/getState`'s `types` of each: a Map that came back a plain object is a change. */
  types: {
    before?: Readonly<Record<string, string>>;
    after?: Readonly<Record<string, string>>;
  } = {},
): { changes: StateChange[]; more: number } {
  const changes: StateChange[] = [];
  let total = 0;
  const push = (change: StateChange) => {
    total++;
    if (changes.length < MAX_CHANGES) changes.push(change);
  };
  const walk = (a: unknown, b: unknown, pointer: string) => {
    if (types.before?.[pointer] !== types.after?.[pointer]) {
      push({ pointer: pointer || '/', kind: 'changed', before: a, after: b });
      return;
    }
    if (Object.is(a, b)) return;
    const bothArrays = Array.isArray(a) && Array.isArray(b);
    const bothObjects = isObject(a) && isObject(b) && !Array.isArray(a) && !Array.isArray(b);
    if (!bothArrays && !bothObjects) {
      push({ pointer: pointer || '/', kind: 'changed', before: a, after: b });
      return;
    }
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    for (const key of Object.keys(left)) {
      const at = pointerChild(pointer, key);
      if (!(key in right)) push({ pointer: at, kind: 'removed', before: left[key] });
      else walk(left[key], right[key], at);
    }
    for (const key of Object.keys(right))
      if (!(key in left))
        push({ pointer: pointerChild(pointer, key), kind: 'added', after: right[key] });
  };
  walk(before, after, '');
  return { changes, more: total - changes.length };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
