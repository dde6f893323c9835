/**
 * The daemon's half of a reload's atomic swap: while a plugin's gate is shut, calls routed to it
 * (clients' `plugin/executeCommand`, other hosts' plugins running its commands) wait here, in
 * arrival order, and go on once it opens, to whichever generation is active by then.
 */
export class CallGate {
  private readonly shut = new Map<string, (() => void)[]>();

  /** Shuts the plugin's gate (a second shut of a shut gate changes nothing). */
  shutFor(pluginId: string): void {
    if (!this.shut.has(pluginId)) this.shut.set(pluginId, []);
  }

  /** Opens it: the calls waiting go on, first come first. */
  openFor(pluginId: string): void {
    const waiting = this.shut.get(pluginId);
    this.shut.delete(pluginId);
    for (const go of waiting ?? []) go();
  }

  isShut(pluginId: string): boolean {
    return this.shut.has(pluginId);
  }

  /** True while any plugin but `except` is being swapped. */
  anyShutBut(except?: string): boolean {
    for (const pluginId of this.shut.keys()) if (pluginId !== except) return true;
    return false;
  }

  /** Resolves when the plugin's gate is open: at once if it is. */
  passage(pluginId: string): Promise<void> {
    const waiting = this.shut.get(pluginId);
    if (!waiting) return Promise.resolve();
    return new Promise((resolve) => waiting.push(resolve));
  }

  /**
   * Resolves when every gate but `except`'s is open (a new generation may be about to register
   * a name). A plugin calling from inside its own swap does not wait for itself.
   */
  async allOpenBut(except?: string): Promise<void> {
    for (;;) {
      const next = [...this.shut.keys()].find((pluginId) => pluginId !== except);
      if (next === undefined) return;
      await this.passage(next);
    }
  }

  /**
   * Whether a call from `callerId` (a plugin, or undefined for a client) to `pluginId` must wait:
   * while that plugin is swapped, or, for a name nobody has registered (`pluginId` undefined),
   * while any plugin is (a new generation may register it). A plugin never waits for itself.
   */
  holds(pluginId: string | undefined, callerId?: string): boolean {
    if (pluginId === undefined) return this.anyShutBut(callerId);
    return pluginId !== callerId && this.isShut(pluginId);
  }

  /** Waits until `holds` may have changed its mind, but no longer than `ms`. */
  wait(pluginId: string | undefined, callerId: string | undefined, ms: number): Promise<void> {
    return this.until(
      pluginId === undefined ? this.allOpenBut(callerId) : this.passage(pluginId),
      ms,
    );
  }

  /** Waits for `passage`, but no longer than `ms` (a call's time limit keeps running meanwhile). */
  async until(passage: Promise<void>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      passage,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }
}
