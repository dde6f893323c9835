/** What the plugin hosts reported of a plugin's unloaded generations. */
export interface UnloadTally {
  /** Generations found garbage after they were unloaded. */
  collected: number;
  /** Generations still reachable after the checks' garbage collections. */
  retained: number[];
}

/**
 * Counts, per plugin, the unload checks the hosts have reported (each unloaded generation is
 * checked once, off the reload path, some hundreds of milliseconds later), so that a conformance
 * run can wait for the checks of the reloads it made instead of guessing how long they take.
 */
export class UnloadReports {
  private readonly tallies = new Map<string, UnloadTally>();
  private readonly waiters = new Set<() => void>();

  record(pluginId: string, generation: number, collected: boolean): void {
    const tally = this.of(pluginId);
    if (collected) tally.collected += 1;
    else tally.retained.push(generation);
    for (const wake of [...this.waiters]) wake();
  }

  of(pluginId: string): UnloadTally {
    let tally = this.tallies.get(pluginId);
    if (!tally) {
      tally = { collected: 0, retained: [] };
      this.tallies.set(pluginId, tally);
    }
    return tally;
  }

  /** Resolves with the tally once `count` checks of the plugin are in, or at `timeoutMs`. */
  async waitFor(pluginId: string, count: number, timeoutMs: number): Promise<UnloadTally> {
    const done = () => {
      const t = this.of(pluginId);
      return t.collected + t.retained.length >= count;
    };
    if (done()) return this.of(pluginId);
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
    return this.of(pluginId);
  }
}
