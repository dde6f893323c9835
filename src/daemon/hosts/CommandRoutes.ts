import type { PluginLookup } from './PluginLookup.js';

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
 * first to register it while it runs. Each plugin holds its own commands (PluginCommands); this
 * decides between them. The supervisor tells every host the names that changed, so that
 * `ctx.commands.list()` stays synchronous and whole.
 */
export class CommandRoutes {
  constructor(private readonly plugins: PluginLookup) {}

  get(name: string): CommandRoute | undefined {
    for (const plugin of this.plugins.all()) {
      const command = plugin.commands.get(name);
      if (command) return { pluginId: plugin.id, ...command };
    }
    return undefined;
  }

  names(): string[] {
    return [...this.plugins.all()].flatMap((plugin) => plugin.commands.names());
  }

  /**
   * A generation registered `name`. The plugin that owns it already, while that one still runs,
   * keeps it: the answer is that owner (for a warning), else undefined. A plugin the daemon no
   * longer knows registers nothing.
   */
  register(name: string, route: CommandRoute): string | undefined {
    const owner = this.get(name);
    if (owner && owner.pluginId !== route.pluginId) {
      const holder = this.plugins.get(owner.pluginId);
      if (holder?.generation?.key === owner.key) return owner.pluginId;
      holder?.commands.delete(name);
    }
    this.plugins.get(route.pluginId)?.commands.set(name, { key: route.key, arity: route.arity });
    return undefined;
  }

  /** Whether the name went (only the generation that holds it can dispose of it). */
  dispose(name: string, key: string): boolean {
    const owner = this.get(name);
    if (owner?.key !== key) return false;
    this.plugins.get(owner.pluginId)?.commands.delete(name);
    return true;
  }

  /** The commands of the plugin's running generation. */
  of(pluginId: string): { name: string; arity: number }[] {
    const plugin = this.plugins.get(pluginId);
    const key = plugin?.generation?.key;
    return (plugin?.commands.entries() ?? [])
      .filter(([, command]) => command.key === key)
      .map(([name, command]) => ({ name, arity: command.arity }));
  }

  /** Generations that are gone (their host died) take their names with them. */
  forget(keys: ReadonlySet<string>): void {
    for (const plugin of this.plugins.all()) plugin.commands.forget(keys);
  }
}
