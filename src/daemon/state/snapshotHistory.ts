import { RUNNING_SNAPSHOT_CAUSES, type SnapshotCause } from '../../protocol/index.js';

/** What the history needs of a snapshot to place it. */
export interface Placed {
  generation: number;
  takenBy?: SnapshotCause | undefined;
}

/** A snapshot in a plugin's history, with its place in the order they were kept. */
export interface HistoryEntry<S extends Placed> {
  snapshot: S;
  order: number;
}

/**
 * One plugin's history, in two parts, each oldest first. `points`: what reloads, rollbacks,
 * requests, stops and the state folder handed over, the moments a person restores. `running`:
 * the newest snapshot each generation took while it ran (its timers, listeners, commands and own
 * saves), in a few places of their own, so that a timer firing every second never pushes a
 * reload out.
 */
export interface SnapshotHistory<S extends Placed> {
  points: readonly HistoryEntry<S>[];
  running: readonly HistoryEntry<S>[];
}

export interface HistoryLimits {
  /** Points kept (`snapshotHistory` in the config). */
  points: number;
  /** Generations whose running snapshot is kept. */
  running: number;
}

export function emptyHistory<S extends Placed>(): SnapshotHistory<S> {
  return { points: [], running: [] };
}

/**
 * The history once `entry` is kept (pure). A running snapshot replaces the one its generation
 * took before. A point replaces the point just before it when both are the same generation's
 * and taken for the same cause (a page asking for the state again and again keeps one), and
 * drops what its generation took while running: being newer, it is the one that generation now
 * shows and restores (`plugin/getState { generation }` takes the newest a generation took).
 */
export function withEntry<S extends Placed>(
  history: SnapshotHistory<S>,
  entry: HistoryEntry<S>,
  limits: HistoryLimits,
): SnapshotHistory<S> {
  const { generation, takenBy } = entry.snapshot;
  const others = history.running.filter((e) => e.snapshot.generation !== generation);
  if (takenBy !== undefined && RUNNING_SNAPSHOT_CAUSES.has(takenBy))
    return { points: history.points, running: [...others, entry].slice(-limits.running) };
  const last = history.points.at(-1)?.snapshot;
  const again = last?.generation === generation && last.takenBy === takenBy;
  const before = again ? history.points.slice(0, -1) : history.points;
  return { points: [...before, entry].slice(-limits.points), running: others };
}

/** Every snapshot kept, newest first. */
export function newestFirst<S extends Placed>(history: SnapshotHistory<S>): S[] {
  return [...history.points, ...history.running]
    .sort((a, b) => b.order - a.order)
    .map((e) => e.snapshot);
}
