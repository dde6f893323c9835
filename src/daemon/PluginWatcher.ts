import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from './logger.js';
import type { FileChange } from './planReload.js';

/**
 * Watches the plugins folder (and files outside it that a bundle imports) and hands over changes
 * in batches: a batch closes once no event has come for `debounceMs`, so a burst of saves, or an
 * editor's truncate-then-write or write-temp-then-rename, arrives as one change to the final file.
 */
export class PluginWatcher {
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, FileChange['kind']>();
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  private external = new Set<string>();

  constructor(
    private readonly options: {
      pluginsDir: string;
      debounceMs: number;
      onChanges(changes: FileChange[]): void;
      logger: Logger;
    },
  ) {}

  /** Resolves once the initial scan is done: from then on, no change is missed. */
  async start(): Promise<void> {
    const { pluginsDir } = this.options;
    const watcher = watch(pluginsDir, {
      ignoreInitial: true,
      ignored: (file) => isIgnoredPath(pluginsDir, file),
    });
    this.watcher = watcher;
    for (const kind of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
      watcher.on(kind, (file: string) =>
        this.record(
          path.resolve(file),
          kind === 'addDir' ? 'add' : kind === 'unlinkDir' ? 'unlink' : kind,
        ),
      );
    }
    watcher.on('error', (error) => this.options.logger.warn({ err: error }, 'file watcher error'));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  /** Watches exactly these files outside the plugins folder (imports of shared code). */
  watchExternal(files: Iterable<string>): void {
    const wanted = new Set(files);
    const added = [...wanted].filter((f) => !this.external.has(f));
    const removed = [...this.external].filter((f) => !wanted.has(f));
    this.external = wanted;
    if (added.length > 0) this.watcher?.add(added);
    if (removed.length > 0) this.watcher?.unwatch(removed);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.pending.clear();
    await this.watcher?.close();
  }

  private record(file: string, kind: FileChange['kind']): void {
    const before = this.pending.get(file);
    // unlink then add (an atomic save) is a change; add then unlink is nothing worth a reload.
    if (before === 'unlink' && kind === 'add') this.pending.set(file, 'change');
    else if (before === 'add' && kind === 'change') this.pending.set(file, 'add');
    else this.pending.set(file, kind);
    if (this.pending.size === 1 && before === undefined) this.firstPendingAt = Date.now();
    clearTimeout(this.timer);
    // Under a constant stream of writes, still flush at least every 10 quiet periods.
    const waited = Date.now() - this.firstPendingAt;
    const delay = waited >= this.options.debounceMs * 10 ? 0 : this.options.debounceMs;
    this.timer = setTimeout(() => this.flush(), delay);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const changes = [...this.pending].map(([file, kind]) => ({ path: file, kind }));
    this.pending.clear();
    this.options.onChanges(changes);
  }
}

/** Dot folders, node_modules and editor swap files inside the plugins folder are not watched. */
export function isIgnoredPath(pluginsDir: string, file: string): boolean {
  const relative = path.relative(pluginsDir, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  return relative
    .split(path.sep)
    .some(
      (segment) =>
        segment === 'node_modules' ||
        (segment.startsWith('.') && segment.length > 1) ||
        segment.endsWith('~'),
    );
}
