/** A call into a plugin that arrived while the plugin was being swapped. */
export type HeldCall =
  /** An event for its listeners: delivered to whichever generation listens when it is let go. */
  | { kind: 'event'; event: string; data: unknown }
  /** One of its own timers firing: run on that generation, or dropped if it is gone. */
  | { kind: 'callback'; generation: object; run(): void }
  /** A command of it that another plugin of this host ran: looked up again when let go. */
  | { kind: 'command'; run(): void };

/** One call running in a plugin; `overtaken` once a swap stopped waiting for it. */
export interface RunningCall {
  overtaken: boolean;
}

interface Suspension {
  held: HeldCall[];
  /** Waiting for the calls already running to end: their own timers still run meanwhile. */
  draining: boolean;
  /** Wakes the `suspend` waiting for the plugin's running calls to end. */
  wake?(): void;
}

/**
 * The host's half of a reload's atomic swap. From `suspend` until `resume`, nothing new runs in
 * the plugin: events for its listeners, its own timers and other plugins' calls to its commands
 * are held, in arrival order. What was already running is waited for first (bounded), so the
 * state the reload takes holds every effect of every call that ran.
 */
export class PluginSuspensions {
  private readonly suspended = new Map<string, Suspension>();
  private readonly running = new Map<string, Set<RunningCall>>();

  isSuspended(pluginId: string): boolean {
    return this.suspended.has(pluginId);
  }

  /**
   * True once the plugin's running calls have been waited for: from then on its timers are
   * held too. Before that, a timer may be what a running call awaits, and what it does still
   * lands in the state the reload is about to take.
   */
  holdsTimers(pluginId: string): boolean {
    const suspension = this.suspended.get(pluginId);
    return suspension !== undefined && !suspension.draining;
  }

  /** The plugins being swapped now. */
  plugins(): IterableIterator<string> {
    return this.suspended.keys();
  }

  /**
   * Holds every new call into the plugin from now on. Resolves once the calls already running
   * have ended, or after `limitMs`, with how many had not: those are marked overtaken (what
   * they do from now on is not in the state the reload takes).
   */
  async suspend(pluginId: string, limitMs: number): Promise<number> {
    const suspension: Suspension = this.suspended.get(pluginId) ?? { held: [], draining: true };
    this.suspended.set(pluginId, suspension);
    const calls = this.running.get(pluginId);
    if (!calls || calls.size === 0) {
      suspension.draining = false;
      return 0;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, limitMs);
      suspension.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    suspension.wake = undefined;
    suspension.draining = false;
    const left = [...(this.running.get(pluginId) ?? [])];
    for (const call of left) call.overtaken = true;
    return left.length;
  }

  /** Lets the plugin run again; returns what was held, in arrival order, for the host to deliver. */
  resume(pluginId: string): HeldCall[] {
    const suspension = this.suspended.get(pluginId);
    this.suspended.delete(pluginId);
    return suspension?.held ?? [];
  }

  hold(pluginId: string, call: HeldCall): void {
    this.suspended.get(pluginId)?.held.push(call);
  }

  /** A call into the plugin began; `end` it when it has settled. */
  begin(pluginId: string): RunningCall {
    const call: RunningCall = { overtaken: false };
    let calls = this.running.get(pluginId);
    if (!calls) {
      calls = new Set();
      this.running.set(pluginId, calls);
    }
    calls.add(call);
    return call;
  }

  end(pluginId: string, call: RunningCall): void {
    const calls = this.running.get(pluginId);
    if (!calls?.delete(call)) return;
    if (calls.size > 0) return;
    this.running.delete(pluginId);
    this.suspended.get(pluginId)?.wake?.();
  }

  /** Counts a promise a plugin callback returned as a call running until it settles. */
  settling(pluginId: string, promise: PromiseLike<unknown>): void {
    const call = this.begin(pluginId);
    const end = () => this.end(pluginId, call);
    promise.then(end, end);
  }
}
