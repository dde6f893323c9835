export interface BackoffOptions {
  /** The first retry's delay, before jitter (default 100 ms). */
  initialMs?: number;
  /** The cap (default 5 s): a daemon back after a restart is found within that. */
  maxMs?: number;
}

/**
 * The wait before retry number `attempt` (0 first): doubling from `initialMs` up to `maxMs`, then
 * a random half of it taken off, so clients that lost the same daemon do not all retry at once.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
