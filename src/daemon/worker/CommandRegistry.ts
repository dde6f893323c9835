export type CommandHandler = (...args: unknown[]) => unknown;

/** What a plugin's context needs of a command registry (a host wraps the real one). */
export type PluginCommands = Pick<CommandRegistry, 'register' | 'get' | 'names'>;

interface CommandEntry {
  pluginId: string;
  handler: CommandHandler;
}

/** Every command of every active plugin generation, by name. Names are global, as in editors. */
export class CommandRegistry {
  private readonly commands = new Map<string, CommandEntry>();

  /** Throws when another plugin (or generation) already holds the name; returns the remover. */
  register(pluginId: string, name: string, handler: CommandHandler): () => void {
    const existing = this.commands.get(name);
    if (existing) {
      const owner =
        existing.pluginId === pluginId ? 'this plugin' : `plugin "${existing.pluginId}"`;
      throw new Error(`command "${name}" is already registered by ${owner}`);
    }
    const entry = { pluginId, handler };
    this.commands.set(name, entry);
    return () => {
      if (this.commands.get(name) === entry) this.commands.delete(name);
    };
  }

  get(name: string): CommandEntry | undefined {
    return this.commands.get(name);
  }

  names(): string[] {
    return [...this.commands.keys()].sort();
  }
}
