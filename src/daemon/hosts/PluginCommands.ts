/** A command as its plugin holds it: the generation that registered it, and what it declares. */
export interface RegisteredCommand {
  /** The registering generation's key. */
  key: string;
  /** Its handler's declared parameters: 0 for a command that needs none (`reloadd verify`). */
  arity: number;
}

/**
 * The commands one plugin's generations registered, by name. A name is one plugin's at a time
 * (CommandRoutes decides whose); a generation's go with it.
 */
export class PluginCommands {
  private readonly byName = new Map<string, RegisteredCommand>();

  get(name: string): RegisteredCommand | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Each name with what registered it. */
  entries(): [string, RegisteredCommand][] {
    return [...this.byName];
  }

  set(name: string, command: RegisteredCommand): void {
    this.byName.set(name, command);
  }

  delete(name: string): void {
    this.byName.delete(name);
  }

  /** Generations that are gone (their host died) take their names with them. */
  forget(keys: ReadonlySet<string>): void {
    for (const [name, command] of this.byName) if (keys.has(command.key)) this.byName.delete(name);
  }
}
