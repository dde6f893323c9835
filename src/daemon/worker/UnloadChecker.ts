import type { HostNotice } from '../crossing/hostMessages.js';

const CHECK_EVERY_MS = 500;
const ROUNDS = 4;

interface PendingCheck {
  key: string;
  pluginId: string;
  generation: number;
  ref: WeakRef<object>;
  rounds: number;
}

/**
 * Checks, off the reload path, that unloaded generations really became garbage (as .NET checks a
 * collectible load context with a weak reference): every half second while any check is pending,
 * one forced collection, then a look at each WeakRef. A generation still reachable after four
 * rounds is reported. Forcing a collection per unload would stall a burst of reloads.
 */
export class UnloadChecker {
  private pending: PendingCheck[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** `gc`, when this thread may call it; without it nothing is checked. */
    private readonly gc: (() => void) | undefined,
    private readonly notify: (notice: Extract<HostNotice, { op: 'unloadChecked' }>) => void,
    /** What the host can tell might be holding a generation (named in the report). */
    private readonly holders: () => string[],
  ) {}

  watch(key: string, pluginId: string, generation: number, unloaded: object): void {
    if (!this.gc) return;
    this.pending.push({ key, pluginId, generation, ref: new WeakRef(unloaded), rounds: 0 });
    this.timer ??= setTimeout(() => this.round(), CHECK_EVERY_MS).unref();
  }

  private round(): void {
    this.gc?.();
    const still: PendingCheck[] = [];
    for (const check of this.pending) {
      check.rounds += 1;
      const collected = check.ref.deref() === undefined;
      if (!collected && check.rounds < ROUNDS) {
        still.push(check);
        continue;
      }
      const { key, pluginId, generation } = check;
      this.notify({
        op: 'unloadChecked',
        key,
        pluginId,
        generation,
        collected,
        holders: collected ? [] : this.holders(),
      });
    }
    this.pending = still;
    this.timer =
      still.length > 0 ? setTimeout(() => this.round(), CHECK_EVERY_MS).unref() : undefined;
  }
}
