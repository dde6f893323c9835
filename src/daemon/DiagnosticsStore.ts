import type { Diagnostic } from '../protocol/index.js';

/**
 * The current diagnostics of every plugin. Each change publishes the plugin's whole list, which
 * replaces what clients had (an empty list clears it), as LSP's publishDiagnostics does.
 */
export class DiagnosticsStore {
  private readonly byPlugin = new Map<string, Diagnostic[]>();

  constructor(private readonly publish: (pluginId: string, diagnostics: Diagnostic[]) => void) {}

  replace(pluginId: string, diagnostics: Diagnostic[]): void {
    const previous = this.byPlugin.get(pluginId) ?? [];
    if (previous.length === 0 && diagnostics.length === 0) return;
    if (diagnostics.length === 0) this.byPlugin.delete(pluginId);
    else this.byPlugin.set(pluginId, diagnostics);
    this.publish(pluginId, diagnostics);
  }

  add(diagnostic: Diagnostic): void {
    this.replace(diagnostic.pluginId, [...this.get(diagnostic.pluginId), diagnostic]);
  }

  get(pluginId: string): Diagnostic[] {
    return this.byPlugin.get(pluginId) ?? [];
  }

  all(): Diagnostic[] {
    return [...this.byPlugin.values()].flat();
  }
}
