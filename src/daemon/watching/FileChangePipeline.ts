import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DiagnosticCodes, PluginStatus, ReloadTrigger } from '../../protocol/index.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import type { Logger } from '../logs/logger.js';
import type { PluginCatalog } from '../plugins/PluginCatalog.js';
import type { DiscoveredEntry } from '../plugins/pluginFolder.js';
import type { PluginRunner } from '../reloading/PluginRunner.js';
import {
  type ChangeImpact,
  type FileChange,
  impactOfChanges,
  type ReloadStep,
  type WatchPatterns,
} from '../reloading/planReload.js';

/** What the pipeline drives: the plugins it reads again, and the runner that (re)loads them. */
export interface FileChangeDeps {
  pluginsDir: string;
  /** The config's `ignore`: changes there touch nothing. */
  ignore?: WatchPatterns;
  catalog: PluginCatalog;
  runner: PluginRunner;
  diagnostics: DiagnosticsStore;
  logger: Logger;
  /**
   * Resolves once the files are no longer being written (the watcher's WriteActivity); undefined
   * when they are not now. An entry of the folder not seen before is read only then.
   */
  settled?: () => Promise<void> | undefined;
  /**
   * How long a file takes to report its final content (the watcher's): an entry seen for the
   * first time that does not read as a plugin is read again once it has been quiet this long.
   */
  settleMs?: number;
}

/**
 * What to make of an entry of the plugins folder read for the first time. A plugin is added,
 * and loads. One that does not read as a plugin (a manifest whose entry is not written yet, half
 * a manifest) may have been caught while it is being written: it waits until it has been quiet
 * for the settle time, and only then is it listed as failed.
 */
export function firstSight(
  entry: DiscoveredEntry,
  quietSince: 'settled' | 'writing',
): 'add' | 'wait' {
  return entry.kind === 'invalid' && quietSince === 'writing' ? 'wait' : 'add';
}

/**
 * What a batch of file changes does: plugins that appeared load, removed ones unload, edited
 * manifests are read again, and changed code reloads in dependency order. Batches are applied one
 * after another, so discovery never races itself. Before the plugins first load (an editor's
 * daemon waits for its `initialized`), changes only update what is known of the folder when
 * they do; with hot reload off, changes are held and applied when it comes back on.
 */
export class FileChangePipeline {
  private hotReload: boolean;
  /** Changes seen while hot reload was off, applied when it is switched back on. */
  private held: FileChange[] = [];
  /**
   * Files changed before the first load (`open`), each once, kept as added or removed when it
   * was either (what makes an entry worth reading again); undefined from then on.
   */
  private beforeOpen: Map<string, FileChange['kind']> | undefined = new Map();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /**
   * Entries seen for the first time that did not read as a plugin, each until it has been quiet
   * for the settle time: a change to one reads it again at once, and restarts its wait.
   */
  private readonly unsettled = new Map<string, NodeJS.Timeout>();
  /** Entries whose wait is over: read again, they are added whatever they are. */
  private readonly waitedOut = new Set<string>();

  constructor(
    private readonly deps: FileChangeDeps,
    hotReload: boolean,
  ) {
    this.hotReload = hotReload;
  }

  get hotReloadEnabled(): boolean {
    return this.hotReload;
  }

  /** Files changed while hot reload was off. */
  get heldFiles(): number {
    return new Set(this.held.map((c) => c.path)).size;
  }

  setHotReload(enabled: boolean): boolean {
    const wasOff = !this.hotReload;
    this.hotReload = enabled;
    this.deps.logger.info({ enabled }, `hot reload ${enabled ? 'on' : 'off'}`);
    if (enabled && wasOff && this.held.length > 0) {
      const held = this.held;
      this.held = [];
      this.onFileChanges(held, performance.now());
    }
    return this.hotReload;
  }

  /** Takes no more changes, and waits for the batch under way. */
  async close(): Promise<void> {
    this.stopped = true;
    this.hotReload = false;
    for (const timer of this.unsettled.values()) clearTimeout(timer);
    this.unsettled.clear();
    await this.chain;
  }

  /**
   * The plugins are about to load for the first time: what changed in the folder since it was
   * read (a plugin folder added, a manifest edited) is read now, and nothing more, as the first
   * load builds every plugin from its files as they are. From now on, changes reload.
   */
  open(): Promise<void> {
    const changes = [...(this.beforeOpen ?? [])].map(([file, kind]) => ({ path: file, kind }));
    this.beforeOpen = undefined;
    if (changes.length === 0) return this.chain;
    this.chain = this.chain
      .then(async () => {
        await this.rediscover(this.impactOf(changes));
      })
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'reading the changes before the first load failed'),
      );
    return this.chain;
  }

  /** A batch from the watcher; `detectedAt` is when its first event came. */
  onFileChanges(changes: FileChange[], detectedAt: number): void {
    if (this.stopped) return;
    if (this.beforeOpen) {
      for (const { path: file, kind } of changes) {
        const before = this.beforeOpen.get(file);
        this.beforeOpen.set(file, before && before !== 'change' ? before : kind);
      }
      this.deps.logger.debug(
        { files: changes.map((c) => c.path) },
        'changes before the plugins first load: read when they do',
      );
      return;
    }
    if (!this.hotReload) {
      this.held.push(...changes);
      return;
    }
    this.chain = this.chain
      .then(() => this.applyChanges(changes, detectedAt))
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'applying file changes failed'),
      );
  }

  private impactOf(changes: FileChange[]) {
    return impactOfChanges(
      changes,
      this.deps.catalog.planPlugins(),
      this.deps.pluginsDir,
      this.deps.ignore,
    );
  }

  private async applyChanges(changes: FileChange[], detectedAt: number): Promise<void> {
    await this.apply(this.impactOf(changes), detectedAt);
  }

  private async apply(impact: ChangeImpact, detectedAt: number): Promise<void> {
    const { changed, fresh } = await this.rediscover(impact);
    const { runner } = this.deps;
    const plan = runner.plan(changed, ReloadTrigger.File);
    const steps = plan.steps.filter((step) => this.acceptsFileReload(step));
    // Detached on purpose: the next batch of changes must be able to overtake these reloads.
    Promise.all([
      // Plugins that appeared: first loads, dependencies first. Their files were just written:
      // a load that failed on one caught half-written is done again (`detectedAt` says so).
      runner.reload(fresh, ReloadTrigger.Startup, {
        detectedAt,
        progress: { title: 'Loading new plugins' },
      }),
      runner.run(
        { steps, cycles: plan.cycles },
        // A cascade: a save reloads a plugin and the plugins that depend on it.
        { detectedAt, progress: { title: `Reloading ${steps[0]?.id ?? ''} and its dependents` } },
      ),
    ]).catch((error: unknown) => this.deps.logger.error({ err: error }, 'reload plan failed'));
  }

  /**
   * The entries of the plugins folder the changes touch, read again: plugins that appeared
   * (`fresh`, to load) and what changed in the others (`changed`, to reload), plugins gone
   * stopped and removed, invalid manifests marked.
   */
  private async rediscover(
    impact: ChangeImpact,
  ): Promise<{ changed: Map<string, string[]>; fresh: string[] }> {
    const changed = new Map(impact.plugins);
    const fresh: string[] = [];
    // An entry not seen before is read once its writes are over, as a reload's swap waits for
    // them: a plugin copied in, or saved in pieces, is read whole.
    if (impact.entries.some((name) => !this.deps.catalog.hasEntry(name))) {
      const writing = this.deps.settled?.();
      if (writing !== undefined) await writing;
    }
    for (const name of impact.entries) {
      const found = await this.deps.catalog.reread(name);
      if (found.kind !== 'new') this.stopWaiting(name);
      switch (found.kind) {
        case 'new': {
          const waited = this.waitedOut.delete(name) ? 'settled' : 'writing';
          if (firstSight(found.entry, waited) === 'wait') {
            this.waitForQuiet(name, found.entry);
            break;
          }
          this.stopWaiting(name);
          const id = this.deps.catalog.add(found.entry);
          if (id) fresh.push(id);
          break;
        }
        case 'gone': {
          changed.delete(found.record.id);
          await this.deps.runner.stop(found.record, PluginStatus.Disabled, false);
          this.deps.catalog.delete(found.record);
          found.record.announceRemoval();
          this.deps.logger.info(
            { plugin: found.record.id },
            'plugin removed; its last state is kept',
          );
          const id = found.replacement ? this.deps.catalog.add(found.replacement) : undefined;
          if (id) fresh.push(id);
          break;
        }
        case 'invalid':
          changed.delete(found.record.id);
          await this.deps.runner.stop(found.record, PluginStatus.Failed);
          this.deps.catalog.markInvalid(found.record, found.invalid);
          found.record.announceStatus();
          break;
        case 'changed': {
          const id = found.record.id;
          changed.set(
            id,
            changed.get(id) ?? [
              found.record.descriptor.manifestPath ?? found.record.descriptor.root,
            ],
          );
          break;
        }
        case 'revived':
          fresh.push(found.record.id);
          break;
        case 'unchanged':
          break;
      }
    }
    for (const id of fresh) changed.delete(id);
    return { changed, fresh };
  }

  /**
   * An entry seen for the first time did not read as a plugin: it is read again when it changes,
   * or once it has been quiet for the settle time, when it is listed whatever it is then.
   */
  private waitForQuiet(name: string, entry: DiscoveredEntry): void {
    const settleMs = this.deps.settleMs ?? 0;
    clearTimeout(this.unsettled.get(name));
    const why = entry.kind === 'invalid' ? entry.invalid.message : '';
    this.deps.logger.debug(
      { entry: name, reason: why },
      `${name} does not read as a plugin yet (${why}): read again once it has been quiet for ${settleMs} ms`,
    );
    const timer = setTimeout(() => {
      this.unsettled.delete(name);
      if (this.stopped) return;
      this.waitedOut.add(name);
      this.chain = this.chain
        .then(() => this.apply({ entries: [name], plugins: new Map() }, performance.now()))
        .catch((error: unknown) =>
          this.deps.logger.error({ err: error }, 'reading a new plugin folder again failed'),
        );
    }, settleMs);
    this.unsettled.set(name, timer);
  }

  private stopWaiting(name: string): void {
    clearTimeout(this.unsettled.get(name));
    this.unsettled.delete(name);
    this.waitedOut.delete(name);
  }

  /** A disabled plugin ignores changes; one without hot reload support asks for a restart. */
  private acceptsFileReload({ id, trigger, changedFiles = [] }: ReloadStep): boolean {
    const record = this.deps.catalog.get(id);
    if (!record || record.status === PluginStatus.Disabled) return false;
    if (record.descriptor.supportsHotReload || !record.generation) return true;
    const files = changedFiles;
    const changed =
      files.map((f) => path.relative(this.deps.pluginsDir, f)).join(', ') || 'a dependency';
    const message = `${changed} changed, but plugin '${id}' does not support hot reload (capabilities.supportsHotReload is false): restart the daemon to load the change`;
    this.deps.diagnostics.set(id, DiagnosticSource.Restart, [
      {
        pluginId: id,
        severity: 'warning',
        code: DiagnosticCodes.RestartRequired,
        message,
      },
    ]);
    record.reportRestartRequired(trigger, files, message);
    return false;
  }
}
