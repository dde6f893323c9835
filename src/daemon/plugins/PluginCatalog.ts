import path from 'node:path';
import { DiagnosticCodes, type PluginInfo } from '../../protocol/index.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import { findSandbox, sandboxRefusal } from '../hosts/hostSandbox.js';
import type { PluginLookup } from '../hosts/PluginLookup.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import type { ClientNotifier } from '../toClients/Broadcaster.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import { PluginRecord } from './PluginRecord.js';
import {
  bareDescriptor,
  type DiscoveredEntry,
  type InvalidPlugin,
  readPluginEntry,
} from './pluginFolder.js';

/** What reading a top-level entry of the plugins folder again found, for the daemon to act on. */
export type Rediscovery =
  | { kind: 'unchanged' }
  /** Not known before. */
  | { kind: 'new'; entry: DiscoveredEntry }
  /** The entry is gone, or now declares another id (then `replacement` is what it declares). */
  | { kind: 'gone'; record: PluginRecord; replacement?: DiscoveredEntry }
  /** Its manifest no longer reads. */
  | { kind: 'invalid'; record: PluginRecord; invalid: InvalidPlugin }
  /** Its manifest changed; the record already holds the new descriptor. */
  | { kind: 'changed'; record: PluginRecord }
  /** Its manifest reads again after being invalid; the record holds the new descriptor. */
  | { kind: 'revived'; record: PluginRecord };

/** What the daemon asks of every plugin (`--isolation`, `--require-permissions`). */
export interface PluginPolicy {
  defaultIsolation?: PluginDescriptor['isolation'];
  requirePermissions?: boolean;
  /** The config's `watch`: globs, relative to each plugin's folder, of files read at run time. */
  watch?: string[];
}

/** Every plugin the daemon knows of, by id, as discovery found them. */
export class PluginCatalog implements PluginLookup {
  private readonly records = new Map<string, PluginRecord>();
  /** The inputs of each build that lie outside the plugins folder (`externalInputs`). */
  private readonly outsideOf = new WeakMap<ReadonlySet<string>, string[]>();
  /** The last generation number of plugins that went away, so a returning one counts on. */
  private readonly lastGenerations = new Map<string, number>();

  constructor(
    private readonly pluginsDir: string,
    private readonly diagnostics: DiagnosticsStore,
    private readonly snapshots: SnapshotStore,
    /** Where each record tells clients about its reloads and status. */
    private readonly clients: ClientNotifier,
    private readonly policy: PluginPolicy = {},
  ) {}

  /**
   * The daemon's rules for every plugin, applied as each enters the catalog: `--isolation` for
   * those whose manifest does not choose one, and `--require-permissions`, which refuses plugins
   * that declare no `permissions`.
   */
  private withPolicy(entry: DiscoveredEntry): DiscoveredEntry {
    if (entry.kind !== 'plugin') return entry;
    const { descriptor } = entry;
    const refused = (code: string, message: string): DiscoveredEntry => ({
      kind: 'invalid',
      invalid: {
        id: descriptor.id,
        root: descriptor.root,
        ...(descriptor.manifestPath ? { manifestPath: descriptor.manifestPath } : {}),
        code,
        message,
      },
    });
    if (this.policy.requirePermissions && !descriptor.permissions)
      return refused(
        DiagnosticCodes.PermissionsRequired,
        `plugin "${descriptor.id}" declares no "permissions", and this daemon runs only plugins that do (--require-permissions): add "permissions": { "fs": { "read": ["."] } } (or what it needs) to its manifest`,
      );
    const unheld = descriptor.permissions
      ? sandboxRefusal(descriptor.permissions, findSandbox())
      : undefined;
    if (unheld)
      return refused(
        DiagnosticCodes.SandboxUnavailable,
        `plugin "${descriptor.id}" cannot run here: ${unheld}`,
      );
    if (this.policy.defaultIsolation && !descriptor.isolationDeclared)
      return {
        kind: 'plugin',
        descriptor: { ...descriptor, isolation: this.policy.defaultIsolation },
      };
    return entry;
  }

  get(id: string): PluginRecord | undefined {
    return this.records.get(id);
  }

  /** The record, or the "unknown plugin" error a client should get. */
  require(id: string): PluginRecord {
    const record = this.records.get(id);
    if (!record) throw RequestFailure.unknownPlugin(id);
    return record;
  }

  all(): PluginRecord[] {
    return [...this.records.values()];
  }

  /** Adds a discovered plugin (or a folder that failed to read as one); returns its id. */
  add(discovered: DiscoveredEntry): string | undefined {
    const entry = this.withPolicy(discovered);
    const descriptor: PluginDescriptor =
      entry.kind === 'plugin' ? entry.descriptor : placeholder(entry.invalid);
    if (this.records.has(descriptor.id)) {
      this.diagnostics.add(DiagnosticSource.Catalog, {
        pluginId: descriptor.id,
        severity: 'warning',
        code: DiagnosticCodes.DuplicateId,
        message: `${descriptor.root} also declares the id "${descriptor.id}" and was ignored; plugin ids must be unique`,
        ...(descriptor.manifestPath ? { file: descriptor.manifestPath } : {}),
      });
      return undefined;
    }
    const record = new PluginRecord(
      descriptor,
      // Generations count on from the saved state's lineage: a plugin that comes back (or a
      // daemon restarted with --state-dir) never reuses a number its state already carries.
      Math.max(
        this.snapshots.get(descriptor.id)?.generation ?? 0,
        this.lastGenerations.get(descriptor.id) ?? 0,
      ),
      this.clients,
    );
    this.records.set(descriptor.id, record);
    if (entry.kind === 'invalid') this.markInvalid(record, entry.invalid);
    return descriptor.id;
  }

  markInvalid(record: PluginRecord, invalid: InvalidPlugin): void {
    record.invalidate(invalid);
    this.diagnostics.set(record.descriptor.id, DiagnosticSource.Reload, []);
    this.diagnostics.set(record.descriptor.id, DiagnosticSource.Catalog, [
      {
        pluginId: record.descriptor.id,
        severity: 'error',
        code: invalid.code,
        message: invalid.message,
        file: invalid.file ?? invalid.manifestPath ?? invalid.root,
      },
    ]);
  }

  delete(record: PluginRecord): void {
    this.lastGenerations.set(record.descriptor.id, record.generationNumber);
    this.records.delete(record.descriptor.id);
    this.diagnostics.clear(record.descriptor.id);
  }

  /** Whether a plugin was read from this top-level entry of the plugins folder. */
  hasEntry(name: string): boolean {
    const root = path.join(this.pluginsDir, name);
    return this.all().some((r) => r.descriptor.root === root);
  }

  /** Reads a top-level entry of the plugins folder again and says what changed. */
  async reread(name: string): Promise<Rediscovery> {
    const root = path.join(this.pluginsDir, name);
    const existing = this.all().find((r) => r.descriptor.root === root);
    const read = await readPluginEntry(this.pluginsDir, name);
    const found = read ? this.withPolicy(read) : undefined;
    if (!existing) return found ? { kind: 'new', entry: found } : { kind: 'unchanged' };
    const foundId = found?.kind === 'plugin' ? found.descriptor.id : found?.invalid.id;
    if (!found || foundId !== existing.descriptor.id) {
      return { kind: 'gone', record: existing, ...(found ? { replacement: found } : {}) };
    }
    const before = JSON.stringify(existing.invalid ?? existing.descriptor);
    const after = JSON.stringify(found.kind === 'plugin' ? found.descriptor : found.invalid);
    if (before === after) return { kind: 'unchanged' };
    if (found.kind === 'invalid')
      return { kind: 'invalid', record: existing, invalid: found.invalid };
    const wasInvalid = existing.invalid !== undefined;
    existing.redescribe(found.descriptor);
    if (wasInvalid) this.diagnostics.set(existing.descriptor.id, DiagnosticSource.Catalog, []);
    return { kind: wasInvalid ? 'revived' : 'changed', record: existing };
  }

  list(): PluginInfo[] {
    return this.all()
      .sort((a, b) => a.descriptor.id.localeCompare(b.descriptor.id))
      .map((r) => ({
        id: r.descriptor.id,
        name: r.descriptor.name,
        version: r.descriptor.version,
        status: r.status,
        generation: r.generationNumber,
        path: r.descriptor.root,
        supportsHotReload: r.descriptor.supportsHotReload,
        supportsDisable: r.descriptor.supportsDisable,
        dependencies: Object.keys(r.descriptor.dependencies),
        isolation: r.descriptor.isolation,
        reloads: r.reloads,
        ...(r.lastReload
          ? { lastReload: { ...r.lastReload, at: r.lastReload.at.toISOString() } }
          : {}),
        activation: r.activation,
      }));
  }

  /** The plugins whose latest load took longest in their own code, slowest first. */
  slowestActivations(most: number): { id: string; totalMs: number }[] {
    return this.all()
      .flatMap((r) => {
        const last = r.activation.last;
        return last ? [{ id: r.id, totalMs: last.totalMs }] : [];
      })
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, most);
  }

  /** What the pure planner needs of each plugin (reloading/planReload.ts's PlanPlugin). */
  planPlugins() {
    return this.all().map((r) => ({
      id: r.descriptor.id,
      root: r.descriptor.root,
      ...(r.descriptor.manifestPath ? { manifestPath: r.descriptor.manifestPath } : {}),
      inputs: r.inputs,
      watch: [...(r.descriptor.watch ?? []), ...(this.policy.watch ?? [])],
      failedBuild: r.lastBuildFailed,
      dependencies: Object.keys(r.descriptor.dependencies),
    }));
  }

  /** Files outside the plugins folder that some bundle imports: the watcher must see them too. */
  externalInputs(): string[] {
    const root = this.pluginsDir + path.sep;
    return this.all().flatMap((r) => {
      // A record's inputs are a set of their own until its next build: each is looked at once.
      let outside = this.outsideOf.get(r.inputs);
      if (!outside) {
        outside = [...r.inputs].filter((f) => !f.startsWith(root));
        this.outsideOf.set(r.inputs, outside);
      }
      return outside;
    });
  }
}

/** A record for a folder that could not be read as a plugin, so that it can be listed as failed. */
function placeholder(invalid: InvalidPlugin): PluginDescriptor {
  return {
    ...bareDescriptor(invalid.id, invalid.root),
    ...(invalid.manifestPath ? { manifestPath: invalid.manifestPath } : {}),
  };
}
