/** What the plugin hosts reported of a plugin's unloaded generations. */
export interface UnloadTally {
  /** Generations found garbage after they were unloaded. */
  collected: number;
  /** Generations still reachable after the checks' garbage collections. */
  retained: number[];
}

/**
 * One plugin's unload checks as its hosts report them (each unloaded generation is checked once,
 * off the reload path, some hundreds of milliseconds later), so that a conformance run can wait
 * for the checks of the reloads it made instead of guessing how long they take.
 */
export class UnloadChecks {
  private readonly tally: UnloadTally = { collected: 0, retained: [] };
  private readonly waiters = new Set<() => void>();

  recorded(generation: number, collected: boolean): void {
    if (collected) this.tally.collected += 1;
    else this.tally.retained.push(generation);
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves with the tally once `count` checks are in, or at `timeoutMs`. */
  async waitFor(count: number, timeoutMs: number): Promise<UnloadTally> {
    const done = () => this.tally.collected + this.tally.retained.length >= count;
    if (!done()) {
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const wake = () => {
          if (done()) finish();
        };
        const timer = setTimeout(finish, timeoutMs);
        this.waiters.add(wake);
      });
    }
    return { collected: this.tally.collected, retained: [...this.tally.retained] };
  }
}
