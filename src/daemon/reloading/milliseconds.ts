import { performance } from 'node:perf_hooks';

/**
 * Durations as clients and the reload trace see them: milliseconds to two decimals, enough to
 * tell phases of a few hundred microseconds apart without pretending to more.
 */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Milliseconds since `start` (a `performance.now()`), rounded. */
export function msSince(start: number): number {
  return roundMs(performance.now() - start);
}
