import { performance } from 'node:perf_hooks';

/**
 * How long a lone save must be quiet before its new generation may take over. A save is one
 * burst of write syscalls (truncate, then the data, in one go): microseconds apart as editors
 * write, so 3 ms of silence says it is over, while esbuild is still building on it.
 */
export const LONE_SAVE_QUIET_MS = 3;

export interface ActivityOptions {
  /** The quiet window that closes a burst of saves (`--debounce`); 0 waits for nothing. */
  debounceMs: number;
  now?: () => number;
}

/**
 * When the watched files are quiet enough for a reload to pass its point of no return. Builds
 * start on the first event; only the swap waits here. A lone save is trusted after a few
 * milliseconds of silence, but a save that comes within the debounce window of the previous one
 * is part of a burst (a formatter, a `git checkout`, a script writing many files), and a burst is
 * over only once nothing has been written for the whole debounce window. A wait never lasts more
 * than ten windows, so writes that never stop elsewhere cannot hold a reload forever.
 */
export class WriteActivity {
  private lastAt = Number.NEGATIVE_INFINITY;
  private inBurst = false;
  private readonly waiters: { since: number; resolve: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ActivityOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** The quiet window in force: a burst's, or a lone save's. */
  get windowMs(): number {
    return quietWindow(this.inBurst, this.options.debounceMs);
  }

  /** Something was written (any raw event of the watched tree counts). */
  touched(): void {
    const now = this.now();
    const gap = now - this.lastAt;
    // A new save begins after a lone save's silence; it belongs to a burst when it comes
    // within the debounce window of the last write.
    if (gap > LONE_SAVE_QUIET_MS) this.inBurst = gap <= this.options.debounceMs;
    this.lastAt = now;
    if (this.waiters.length > 0) this.arm();
  }

  /**
   * Resolves once the watched files have been quiet for the window in force; undefined when they
   * are already (nothing to wait for, not even a turn of the event loop).
   */
  settled(): Promise<void> | undefined {
    if (this.quietFor(this.now(), this.now())) return undefined;
    return new Promise((resolve) => {
      this.waiters.push({ since: this.now(), resolve });
      this.arm();
    });
  }

  close(): void {
    clearTimeout(this.timer);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private quietFor(now: number, since: number): boolean {
    return (
      now - this.lastAt >= this.windowMs || now - since >= this.options.debounceMs * MAX_WINDOWS
    );
  }

  private arm(): void {
    clearTimeout(this.timer);
    const now = this.now();
    const waits = this.waiters.map(
      (w) =>
        Math.min(this.lastAt + this.windowMs, w.since + this.options.debounceMs * MAX_WINDOWS) -
        now,
    );
    this.timer = setTimeout(() => this.release(), Math.max(0, Math.min(...waits)));
  }

  private release(): void {
    this.timer = undefined;
    const now = this.now();
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter && this.quietFor(now, waiter.since)) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
    if (this.waiters.length > 0) this.arm();
  }
}

/** A wait for quiet lasts at most this many debounce windows. */
const MAX_WINDOWS = 10;

/** The silence that ends a save: a burst's debounce window, or a lone save's few milliseconds. */
export function quietWindow(inBurst: boolean, debounceMs: number): number {
  return inBurst ? debounceMs : Math.min(LONE_SAVE_QUIET_MS, debounceMs);
}
