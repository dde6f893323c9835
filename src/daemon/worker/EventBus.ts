export type EventListener = (data: unknown) => void;

/** What a plugin's context needs of an event bus (a host wraps the real one). */
export type PluginEvents = Pick<EventBus, 'on' | 'emit'>;

/** Editor events (and plugin-to-plugin events) to every plugin listening for them. */
export class EventBus {
  private readonly listeners = new Map<string, Set<EventListener>>();

  on(event: string, listener: EventListener): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(event) === set) this.listeners.delete(event);
    };
  }

  /** Calls every listener; listeners guard themselves (see PluginContext), so this never throws. */
  emit(event: string, data: unknown): number {
    const set = this.listeners.get(event);
    if (!set) return 0;
    for (const listener of [...set]) listener(data);
    return set.size;
  }
}
