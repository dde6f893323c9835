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

  /** True while any plugin is being swapped. */
  get anyShut(): boolean {
    return this.shut.size > 0;
  }

  /** Resolves when the plugin's gate is open: at once if it is. */
  passage(pluginId: string): Promise<void> {
    const waiting = this.shut.get(pluginId);
    if (!waiting) return Promise.resolve();
    return new Promise((resolve) => waiting.push(resolve));
  }

  /** Resolves when every gate is open (a new generation may be about to register a name). */
  async allOpen(): Promise<void> {
    while (this.shut.size > 0) {
      const [pluginId] = this.shut.keys();
      await this.passage(pluginId as string);
    }
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
