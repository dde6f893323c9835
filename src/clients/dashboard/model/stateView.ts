import { RUNNING_SNAPSHOT_CAUSES, type SnapshotInfo } from '../../../protocol/index.js';
import { pointerChild } from '../../../protocol/stateDiff.js';

/**
 * The state inspector's pure half: a plugin's state as `plugin/getState` gives it (JSON, and
 * `types` naming what JSON flattened, by JSON Pointer), turned into what the tree shows, and the
 * difference between two snapshots.
 */

export type FlattenedTypes = Readonly<Record<string, string>>;

/** What one node of the tree shows: its label beside the key, and whether it opens. */
export interface NodeSummary {
  /** "Map(2)", "Set(3)", "Array(4)", "Object", "Date", "Uint8Array(16)", or the value itself. */
  label: string;
  /** The node's children, [key, pointer, value], when it has any to show. */
  children: [string, string, unknown][];
  kind: 'map' | 'set' | 'array' | 'object' | 'date' | 'bytes' | 'string' | 'number' | 'other';
}

// The diff and the pointers are the protocol's, shared with `reloadd verify`.
export {
  diffStates,
  MAX_CHANGES,
  pointerChild,
  type StateChange,
} from '../../../protocol/stateDiff.js';

export function summarize(value: unknown, pointer: string, types: FlattenedTypes): NodeSummary {
  const type = types[pointer];
  const entries = (v: object): [string, string, unknown][] =>
    Object.entries(v).map(([k, x]) => [k, pointerChild(pointer, k), x]);
  if (type === 'Map' && isObject(value))
    return { label: `Map(${Object.keys(value).length})`, children: entries(value), kind: 'map' };
  if (type === 'Set' && Array.isArray(value))
    return { label: `Set(${value.length})`, children: entries(value), kind: 'set' };
  if (type === 'Date') return { label: `Date ${String(value)}`, children: [], kind: 'date' };
  if (type && /Array$|^ArrayBuffer$/.test(type) && Array.isArray(value))
    return {
      label: `${type}(${value.length}) ${bytesPreview(value)}`,
      children: [],
      kind: 'bytes',
    };
  if (type) return { label: `${type} ${JSON.stringify(value)}`, children: [], kind: 'other' };
  if (Array.isArray(value))
    return { label: `Array(${value.length})`, children: entries(value), kind: 'array' };
  if (isObject(value)) {
    const n = Object.keys(value).length;
    return { label: n === 0 ? '{}' : `Object(${n})`, children: entries(value), kind: 'object' };
  }
  if (typeof value === 'string')
    return { label: JSON.stringify(value), children: [], kind: 'string' };
  if (typeof value === 'number') return { label: String(value), children: [], kind: 'number' };
  return { label: String(value), children: [], kind: 'other' };
}

/** One line of the snapshot history, as the state inspector lists it. */
export interface HistoryRow {
  snapshot: SnapshotInfo;
  /** Unique in the list (a generation takes several snapshots). */
  key: string;
  /** Taken while its generation ran (a timer, a listener, a command): the history keeps only the newest of these. */
  running: boolean;
  /**
   * The newest its generation took: `plugin/getState` and `plugin/restoreSnapshot` name a
   * snapshot by its generation, so only this one of the generation can be shown and restored.
   */
  restorable: boolean;
}

/** `plugin/getState`'s history (newest first), as rows (pure). */
export function historyRows(history: readonly SnapshotInfo[]): HistoryRow[] {
  const seen = new Set<number>();
  return history.map((snapshot, i) => {
    const restorable = !seen.has(snapshot.generation);
    seen.add(snapshot.generation);
    return {
      snapshot,
      key: `${snapshot.generation}-${snapshot.savedAt}-${i}`,
      running: snapshot.takenBy !== null && RUNNING_SNAPSHOT_CAUSES.has(snapshot.takenBy),
      restorable,
    };
  });
}

/** A value on one line, cut to `max` characters: for diff rows and collapsed nodes. */
export function preview(value: unknown, max = 80): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function bytesPreview(values: unknown[]): string {
  const shown = values.slice(0, 8).join(' ');
  return values.length > 8 ? `[${shown} …]` : `[${shown}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
