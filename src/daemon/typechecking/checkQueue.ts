/**
 * Which plugin the type-check thread checks next (pure). A check reads the plugin's files when it
 * runs, so a plugin waits for one check however many saves ask; a check under way when the
 * plugin is saved again reads what is now old, and is dropped: its answer is never published.
 */
export interface CheckQueue {
  /** Plugins waiting for a check, the oldest request first; each once. */
  readonly waiting: readonly string[];
  /** The check the thread runs now. */
  readonly running: RunningCheck | undefined;
}

export interface RunningCheck {
  readonly check: number;
  readonly pluginId: string;
  /** A newer save overtook it (or the plugin is gone): its answer counts for nothing. */
  readonly dropped: boolean;
}

export const NO_CHECKS: CheckQueue = { waiting: [], running: undefined };

/** A reload of the plugin was reported: it waits for a check, and the one under way is dropped. */
export function checkRequested(queue: CheckQueue, pluginId: string): CheckQueue {
  return {
    waiting: queue.waiting.includes(pluginId) ? queue.waiting : [...queue.waiting, pluginId],
    running: dropIf(queue.running, pluginId),
  };
}

/** The plugin is gone: it waits for nothing, and its check under way is dropped. */
export function checkForgotten(queue: CheckQueue, pluginId: string): CheckQueue {
  return {
    waiting: queue.waiting.filter((id) => id !== pluginId),
    running: dropIf(queue.running, pluginId),
  };
}

/** With the thread free, the oldest waiting plugin's check starts, numbered `check`. */
export function nextCheck(
  queue: CheckQueue,
  check: number,
): { queue: CheckQueue; started?: RunningCheck } {
  const [pluginId, ...rest] = queue.waiting;
  if (queue.running || pluginId === undefined) return { queue };
  const started = { check, pluginId, dropped: false };
  return { queue: { waiting: rest, running: started }, started };
}

/** The thread answered `check`: the thread is free, and the answer is published unless dropped. */
export function checkAnswered(
  queue: CheckQueue,
  check: number,
): { queue: CheckQueue; publish: boolean } {
  if (queue.running?.check !== check) return { queue, publish: false };
  return { queue: { ...queue, running: undefined }, publish: !queue.running.dropped };
}

function dropIf(running: RunningCheck | undefined, pluginId: string): RunningCheck | undefined {
  return running?.pluginId === pluginId ? { ...running, dropped: true } : running;
}

/** A plugin written in TypeScript: its entry, or a file its bundle reads, is a `.ts` file. */
export function isTypeScriptPlugin(entry: string, inputs: Iterable<string>): boolean {
  const typed = (file: string) => /\.[mc]?tsx?$/.test(file) && !/\.d\.[mc]?ts$/.test(file);
  return typed(entry) || [...inputs].some(typed);
}
