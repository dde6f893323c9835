import { EventEmitter } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type FSWatcher, watch } from 'chokidar';
import { fingerprint } from '../building/fileFingerprint.js';
import type { Logger } from '../logs/logger.js';
import type { FileChange } from '../reloading/planReload.js';

/** chokidar's fixed per-path throttle of `change` events (chokidar/index.js, `_throttle`). */
const CHOKIDAR_CHANGE_THROTTLE_MS = 50;

export interface WatcherEvents {
  /** A batch of changes; `detectedAt` is performance.now() of its first event. */
  changes: [changes: FileChange[], detectedAt: number];
}

/**
 * Watches the plugins folder (and files outside it that a bundle imports) and hands over changes
 * in batches: a batch closes once no event has come for `debounceMs`, so a burst of saves, or an
 * editor's truncate-then-write or write-temp-then-rename, arrives as one change to the final file.
 * It alone knows chokidar's timing (`settleMs`).
 */
export class PluginWatcher extends EventEmitter<WatcherEvents> {
  /**
   * How long after a file's first event its final content is known to have been reported:
   * chokidar's 50 ms throttle, and a margin. A build that failed on a file caught half-written
   * waits this long before it is reported (ReloadTransaction), and the watcher looks at the file
   * again after it (`recheckLater`).
   */
  readonly settleMs = CHOKIDAR_CHANGE_THROTTLE_MS + 15;
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, FileChange['kind']>();
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  private external = new Set<string>();
  /** What each changed file looked like when its last event came (see `recheckLater`). */
  private readonly fingerprints = new Map<string, string>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly options: {
      pluginsDir: string;
      debounceMs: number;
      logger: Logger;
    },
  ) {
    super();
  }

  /** Resolves once the initial scan is done: from then on, no change is missed. */
  async start(): Promise<void> {
    const { pluginsDir } = this.options;
    const watcher = watch(pluginsDir, {
      ignoreInitial: true,
      ignored: (file) => isIgnoredPath(pluginsDir, file),
    });
    this.watcher = watcher;
    for (const kind of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
      watcher.on(kind, (file: string) => {
        const change = kind === 'addDir' ? 'add' : kind === 'unlinkDir' ? 'unlink' : kind;
        this.record(path.resolve(file), change);
        if (kind === 'add' || kind === 'change') this.recheckLater(path.resolve(file));
      });
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
    for (const timer of this.rechecks.values()) clearTimeout(timer);
    this.rechecks.clear();
    this.pending.clear();
    await this.watcher?.close();
  }

  private record(file: string, kind: FileChange['kind']): void {
    this.options.logger.trace({ file, kind }, 'file event');
    const before = this.pending.get(file);
    // unlink then add (an atomic save) is a change; add then unlink is nothing worth a reload.
    if (before === 'unlink' && kind === 'add') this.pending.set(file, 'change');
    else if (before === 'add' && kind === 'change') this.pending.set(file, 'add');
    else this.pending.set(file, kind);
    if (this.pending.size === 1 && before === undefined) this.firstPendingAt = performance.now();
    clearTimeout(this.timer);
    // Under a constant stream of writes, still flush at least every 10 quiet periods.
    const waited = performance.now() - this.firstPendingAt;
    const delay = waited >= this.options.debounceMs * 10 ? 0 : this.options.debounceMs;
    this.timer = setTimeout(() => this.flush(), delay);
  }

  /**
   * chokidar drops every `change` of a path for 50 ms after the first one, with no trailing
   * event, so the last save of a quick burst could go unseen and stale code stay active. Just
   * after that window, look at the file again and report a change chokidar swallowed.
   */
  private recheckLater(file: string): void {
    fingerprint(file)
      .then((seen) => {
        if (seen) this.fingerprints.set(file, seen);
      })
      .catch(() => undefined);
    clearTimeout(this.rechecks.get(file));
    const timer = setTimeout(() => {
      this.rechecks.delete(file);
      fingerprint(file)
        .then((now) => {
          if (now === undefined || now === this.fingerprints.get(file)) return;
          this.fingerprints.set(file, now);
          this.record(file, 'change');
        })
        .catch((error: unknown) =>
          this.options.logger.debug({ err: error, file }, 'recheck failed'),
        );
    }, this.settleMs);
    this.rechecks.set(file, timer);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const changes = [...this.pending].map(([file, kind]) => ({ path: file, kind }));
    this.pending.clear();
    this.emit('changes', changes, this.firstPendingAt);
  }
}

/** Dot folders, node_modules and editor swap files inside the plugins folder are not watched. */
function isIgnoredPath(pluginsDir: string, file: string): boolean {
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
