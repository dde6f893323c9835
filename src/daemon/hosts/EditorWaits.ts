/**
 * Which plugins are waiting for the editor right now (an `editor/call` they made): that time is
 * not theirs, so their time limits stand still meanwhile (PluginHost's request limit, a swap's).
 */
export class EditorWaits {
  private readonly counts = new Map<string, number>();

  isWaiting(pluginId: string): boolean {
    return (this.counts.get(pluginId) ?? 0) > 0;
  }

  /** Runs the plugin's call to the editor, counting it as a wait while it lasts. */
  async during<T>(pluginId: string, call: () => Promise<T>): Promise<T> {
    this.counts.set(pluginId, (this.counts.get(pluginId) ?? 0) + 1);
    try {
      return await call();
    } finally {
      const left = (this.counts.get(pluginId) ?? 1) - 1;
      if (left > 0) this.counts.set(pluginId, left);
      else this.counts.delete(pluginId);
    }
  }
}
