export type EventListener = (data: unknown) => void;

/** What a plugin's context needs of an event bus (its host wraps the real one for it). */
export interface PluginEvents {
  on(event: string, listener: EventListener): () => void;
  emit(event: string, data: unknown): number;
}

interface Listening {
  /** The plugin whose generation registered it. */
  owner: string;
  listener: EventListener;
}

/** Editor events (and plugin-to-plugin events) to every plugin listening for them. */
export class EventBus {
  private readonly listeners = new Map<string, Set<Listening>>();

  on(owner: string, event: string, listener: EventListener): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const entry: Listening = { owner, listener };
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(event) === set) this.listeners.delete(event);
    };
  }

  /**
   * Calls every listener, but those of plugins `passOver` says to leave out (they are being
   * swapped: their host holds the event for them). Listeners guard themselves (see
   * PluginContext), so this never throws. Returns how many listen.
   */
  emit(event: string, data: unknown, passOver: (owner: string) => boolean = () => false): number {
    const set = this.listeners.get(event);
    if (!set) return 0;
    for (const { owner, listener } of [...set]) if (!passOver(owner)) listener(data);
    return set.size;
  }

  /** The events a plugin listens to, by name. */
  eventsOf(owner: string): string[] {
    return [...this.listeners]
      .filter(([, set]) => [...set].some((entry) => entry.owner === owner))
      .map(([event]) => event)
      .sort();
  }

  /** Calls the listeners of one plugin only (an event it missed while it was swapped). */
  emitTo(owner: string, event: string, data: unknown): void {
    for (const entry of [...(this.listeners.get(event) ?? [])])
      if (entry.owner === owner) entry.listener(data);
  }
}
