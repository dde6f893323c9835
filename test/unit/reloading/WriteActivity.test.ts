import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  LONE_SAVE_QUIET_MS,
  quietWindow,
  WriteActivity,
} from '../../../src/daemon/watching/WriteActivity.js';

/** When a reload may pass its point of no return, on a fake clock: no real time passes. */
describe('WriteActivity', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const activity = (debounceMs = 20) =>
    new WriteActivity({ debounceMs, now: () => vi.getMockedSystemTime()?.getTime() ?? Date.now() });

  /** Resolves the promise's state now: 'settled' or 'waiting' (no promise: nothing to wait for). */
  const stateOf = async (promise: Promise<void> | undefined) => {
    if (!promise) return 'settled';
    let done = false;
    void promise.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    return done ? 'settled' : 'waiting';
  };

  it('is settled at once when nothing was written lately', async () => {
    const a = activity();
    expect(await stateOf(a.settled())).toBe('settled');
  });

  it('trusts a lone save after a few quiet milliseconds, not the whole debounce window', async () => {
    const a = activity();
    a.touched();
    const settled = a.settled();
    expect(await stateOf(settled)).toBe('waiting');
    await vi.advanceTimersByTimeAsync(LONE_SAVE_QUIET_MS);
    expect(await stateOf(settled)).toBe('settled');
  });

  it('waits out the whole debounce window once saves come in a burst, and every save in it pushes the end back', async () => {
    const a = activity(20);
    a.touched();
    await vi.advanceTimersByTimeAsync(10);
    a.touched(); // 10 ms after the first: a burst
    const settled = a.settled();
    await vi.advanceTimersByTimeAsync(15);
    expect(await stateOf(settled)).toBe('waiting');
    a.touched();
    await vi.advanceTimersByTimeAsync(19);
    expect(await stateOf(settled)).toBe('waiting');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stateOf(settled)).toBe('settled');
  });

  it('never waits more than ten windows, even if writes never stop', async () => {
    const a = activity(20);
    a.touched();
    await vi.advanceTimersByTimeAsync(10);
    a.touched();
    const settled = a.settled();
    for (let t = 0; t < 190; t += 10) {
      await vi.advanceTimersByTimeAsync(10);
      a.touched();
    }
    expect(await stateOf(settled)).toBe('waiting');
    await vi.advanceTimersByTimeAsync(10);
    expect(await stateOf(settled)).toBe('settled');
  });

  it('waits for nothing with --debounce 0', async () => {
    const a = activity(0);
    a.touched();
    expect(await stateOf(a.settled())).toBe('settled');
    expect(quietWindow(true, 0)).toBe(0);
  });
});
