import { type Diagnostic, PublishDiagnostics } from '../../protocol/index.js';
import type { ClientNotifier } from '../toClients/Broadcaster.js';

/**
 * Where a plugin's diagnostics come from. Each source's list is replaced on its own, so a reload
 * (which replaces the `reload` list) never wipes a warning about the plugin's folder or snapshot.
 */
export const DiagnosticSource = {
  /** The last reload transaction (and the checks that refused one: a missing dependency). */
  Reload: 'reload',
  /** The plugin's manifest and folder: invalid manifest, duplicate id. */
  Catalog: 'catalog',
  /** Dependency cycles found when planning. */
  Dependencies: 'dependencies',
  /** A saved snapshot that could not be read at start. */
  Snapshot: 'snapshot',
  /** A snapshot refused for its size. */
  SnapshotSize: 'snapshot-size',
  /** A change that needs a restart (plugins without hot reload support). */
  Restart: 'restart',
  /** The last stop of the plugin (disable): what it leaked, state it could not save. */
  Stop: 'stop',
  /** What the plugin's live generations reported while running (callbacks that threw, state). */
  Runtime: 'runtime',
  /** How its state is kept: one too large to be written before every answer. */
  State: 'state',
  /** Its state could not be written to the state folder (disk full, read-only, permission). */
  StateWrite: 'state-write',
  /** The editor it was in lacked a method it called. */
  Editor: 'editor',
  /** Its beforeExit failed, the last time the editor exited or the daemon stopped. */
  Exit: 'exit',
  /** Its storage (`ctx.storage`) could not be written to the state folder. */
  StorageWrite: 'storage-write',
  /** The type check of a TypeScript plugin after its last reload: its type errors. */
  TypeCheck: 'type-check',
} as const;
export type DiagnosticSource = (typeof DiagnosticSource)[keyof typeof DiagnosticSource];

/**
 * The current diagnostics of every plugin. Each change publishes the plugin's whole list, which
 * replaces what clients had (an empty list clears it), as LSP's publishDiagnostics does.
 */
export class DiagnosticsStore {
  private readonly byPlugin = new Map<string, Map<DiagnosticSource, Diagnostic[]>>();

  /** Each change is published to every client, as `plugin/publishDiagnostics`. */
  constructor(private readonly clients: ClientNotifier) {}

  /** Replaces one source's list for a plugin and publishes the plugin's whole list. */
  set(pluginId: string, source: DiagnosticSource, diagnostics: Diagnostic[]): void {
    const sources = this.byPlugin.get(pluginId) ?? new Map<DiagnosticSource, Diagnostic[]>();
    const before = sources.get(source) ?? [];
    // Each reload is a fresh report and is published even when it says the same; other sources
    // (a repeated restart notice, say) are published only when they change.
    const unchanged = JSON.stringify(before) === JSON.stringify(diagnostics);
    if (unchanged && (source !== DiagnosticSource.Reload || diagnostics.length === 0)) return;
    if (diagnostics.length === 0) sources.delete(source);
    else sources.set(source, diagnostics);
    if (sources.size === 0) this.byPlugin.delete(pluginId);
    else this.byPlugin.set(pluginId, sources);
    this.publish(pluginId, this.get(pluginId));
  }

  add(source: DiagnosticSource, diagnostic: Diagnostic): void {
    const current = this.byPlugin.get(diagnostic.pluginId)?.get(source) ?? [];
    this.set(diagnostic.pluginId, source, [...current, diagnostic]);
  }

  /** Forgets everything about a plugin (it is gone) and publishes the empty list. */
  clear(pluginId: string): void {
    if (!this.byPlugin.delete(pluginId)) return;
    this.publish(pluginId, []);
  }

  get(pluginId: string): Diagnostic[] {
    return [...(this.byPlugin.get(pluginId)?.values() ?? [])].flat();
  }

  all(): Diagnostic[] {
    return [...this.byPlugin.keys()].flatMap((id) => this.get(id));
  }

  private publish(pluginId: string, diagnostics: Diagnostic[]): void {
    this.clients.notify(PublishDiagnostics, { pluginId, diagnostics });
  }
}
