/** Where a command runs: the plugin and generation that registered it. */
export interface CommandRoute {
  pluginId: string;
  /** The registering generation's key. */
  key: string;
  /** Its handler's declared parameters: 0 for a command that needs none (`reloadd verify`). */
  arity: number;
}

/**
 * Which generation answers each command name, across every host: a name is one plugin's, the
 * first to register it while it runs. The supervisor tells every host the names that changed,
 * so that `ctx.commands.list()` stays synchronous and whole.
 */
export class CommandRoutes {
  private readonly routes = new Map<string, CommandRoute>();

  constructor(
    /** The key of the plugin's running generation, if any. */
    private readonly currentKey: (pluginId: string) => string | undefined,
  ) {}

  get(name: string): CommandRoute | undefined {
    return this.routes.get(name);
  }

  names(): string[] {
    return [...this.routes.keys()];
  }

  /**
   * A generation registered `name`. The plugin that owns it already, while that one still runs,
   * keeps it: the answer is that owner (for a warning), else undefined.
   */
  register(name: string, route: CommandRoute): string | undefined {
    const owner = this.routes.get(name);
    if (owner && owner.pluginId !== route.pluginId && this.currentKey(owner.pluginId) === owner.key)
      return owner.pluginId;
    this.routes.set(name, route);
    return undefined;
  }

  /** Whether the name went (only the generation that holds it can dispose of it). */
  dispose(name: string, key: string): boolean {
    if (this.routes.get(name)?.key !== key) return false;
    this.routes.delete(name);
    return true;
  }

  /** The commands of the plugin's running generation. */
  of(pluginId: string): { name: string; arity: number }[] {
    const key = this.currentKey(pluginId);
    return [...this.routes]
      .filter(([, route]) => route.pluginId === pluginId && route.key === key)
      .map(([name, route]) => ({ name, arity: route.arity }));
  }

  /** Generations that are gone (their host died) take their names with them. */
  forget(keys: ReadonlySet<string>): void {
    for (const [name, route] of this.routes) if (keys.has(route.key)) this.routes.delete(name);
  }
}
