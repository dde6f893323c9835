import { EventEmitter } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from '../logs/logger.js';
import type { FileChange, WatchPatterns } from '../reloading/planReload.js';
import { SaveHints } from './SaveHints.js';
import { LONE_SAVE_QUIET_MS, WriteActivity } from './WriteActivity.js';

/** chokidar's fixed per-path throttle of `change` events (chokidar/index.js, `_throttle`). */
const CHOKIDAR_CHANGE_THROTTLE_MS = 50;

export interface WatcherEvents {
  /** A batch of changes; `detectedAt` is performance.now() of its first event. */
  changes: [changes: FileChange[], detectedAt: number];
}

export interface WatcherOptions {
  pluginsDir: string;
  /** The quiet window that closes a burst of saves (`--debounce`). */
  debounceMs: number;
  /** Poll every this many milliseconds instead of inotify (containers, WSL, network drives). */
  pollMs?: number;
  /** The config's `ignore`, relative to the plugins folder: never watched. */
  ignore?: WatchPatterns;
  logger: Logger;
}

/**
 * Watches the plugins folder (and files outside it that a bundle imports) and hands over each
 * change at once, so that building starts on the first event; whether the writes are over is
 * `settled()`'s to say, and only a reload's swap waits for it. It alone knows chokidar's timing:
 * chokidar reports a path's `change` at most once per 50 ms, so the writes after the first are
 * taken from its raw (unthrottled) events, which also tell that a file is still being written.
 */
export class PluginWatcher extends EventEmitter<WatcherEvents> {
  /**
   * How long after a file's first event its final content is known to have been reported:
   * chokidar's 50 ms throttle, and a margin. A build that failed on a file caught half-written
   * waits this long before it is reported (ReloadTransaction).
   */
  readonly settleMs = CHOKIDAR_CHANGE_THROTTLE_MS + 15;
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, FileChange['kind']>();
  private flushing: NodeJS.Immediate | undefined;
  private firstPendingAt = 0;
  private external = new Set<string>();
  /** Files chokidar reported lately (when): it drops their next `change` events for 50 ms. */
  private readonly reported = new Map<string, number>();
  private readonly activity: WriteActivity;
  private readonly hints: SaveHints;
  private closed = false;

  constructor(private readonly options: WatcherOptions) {
    super();
    this.activity = new WriteActivity({ debounceMs: options.debounceMs });
    this.hints = new SaveHints(options.pollMs);
  }

  get debounceMs(): number {
    return this.options.debounceMs;
  }

  get pollMs(): number | null {
    return this.options.pollMs ?? null;
  }

  /** Resolves once the initial scan is done: from then on, no change is missed. */
  async start(): Promise<void> {
    const { pluginsDir, pollMs } = this.options;
    const watcher = watch(pluginsDir, {
      ignoreInitial: true,
      ignored: (file) =>
        isIgnoredPath(pluginsDir, file) ||
        (this.options.ignore?.covers(path.relative(pluginsDir, file)) ?? false),
      ...(pollMs !== undefined
        ? { usePolling: true, interval: pollMs, binaryInterval: pollMs }
        : {}),
    });
    this.watcher = watcher;
    for (const kind of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
      watcher.on(kind, (file: string) => {
        const change = kind === 'addDir' ? 'add' : kind === 'unlinkDir' ? 'unlink' : kind;
        const resolved = path.resolve(file);
        this.activity.touched();
        if (kind === 'add' || kind === 'change') this.reported.set(resolved, performance.now());
        this.observed(resolved, change);
      });
    }
    watcher.on('raw', (event, evPath, details) =>
      this.rawEvent(event, evPath, (details as { watchedPath?: string } | undefined)?.watchedPath),
    );
    watcher.on('error', (error) => this.options.logger.warn({ err: error }, 'file watcher error'));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  /** Resolves once nothing has been written for the quiet window in force (WriteActivity). */
  settled(): Promise<void> | undefined {
    return this.activity.settled();
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
    this.closed = true;
    if (this.flushing) clearImmediate(this.flushing);
    this.activity.close();
    this.pending.clear();
    await this.watcher?.close();
  }

  /**
   * Every write syscall on a watched path, unthrottled. Each one says the files are still being
   * written; one on a file chokidar has just reported, whose next events chokidar drops, is a
   * change of its own (the last save of a quick burst must not go unseen).
   */
  private rawEvent(event: string, evPath: string | null, watched: string | undefined): void {
    if (watched === undefined) return;
    this.activity.touched();
    if (event !== 'change') return;
    const file =
      evPath && path.basename(watched) !== evPath
        ? path.resolve(watched, evPath)
        : path.resolve(watched);
    const reportedAt = this.reported.get(file);
    if (reportedAt === undefined) return;
    const since = performance.now() - reportedAt;
    if (since > CHOKIDAR_CHANGE_THROTTLE_MS) this.reported.delete(file);
    // The rest of the same save (the data after the truncate): the reload it started checks,
    // before its swap, that its files did not move since it began building, and builds again if
    // they did. A change of its own would cost a second build for nothing.
    else if (since >= LONE_SAVE_QUIET_MS) this.observed(file, 'change');
  }

  /**
   * The editor says it saved these files (`textDocument/didSave`): each is a change seen early,
   * unless this watcher reported the same write already. Files it does not watch are no news.
   */
  async hint(changes: FileChange[]): Promise<void> {
    const watched = changes
      .map((c) => ({ file: path.resolve(c.path), kind: c.kind }))
      .filter((c) => this.watches(c.file));
    const news = await Promise.all(watched.map((c) => this.hints.hint(c.file)));
    watched.forEach(({ file, kind }, i) => {
      if (news[i]) this.record(file, kind);
      else this.options.logger.debug({ file }, 'the file watcher saw this save already: no change');
    });
  }

  /** A change the file system reported: the echo of a hinted save is none. */
  private observed(file: string, kind: FileChange['kind']): void {
    this.hints.watched(file);
    if (!this.hints.awaits(file)) {
      this.record(file, kind);
      return;
    }
    this.hints
      .isEcho(file)
      .then((echo) => {
        if (!echo) this.record(file, kind);
        else this.options.logger.debug({ file }, 'the editor told of this save already: no change');
      })
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'a file event failed'));
  }

  private watches(file: string): boolean {
    const { pluginsDir, ignore } = this.options;
    const relative = path.relative(pluginsDir, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return this.external.has(file);
    return !isIgnoredPath(pluginsDir, file) && !(ignore?.covers(relative) ?? false);
  }

  private record(file: string, kind: FileChange['kind']): void {
    if (this.closed) return;
    this.options.logger.trace({ file, kind }, 'file event');
    const before = this.pending.get(file);
    // unlink then add (an atomic save) is a change; add then unlink is nothing worth a reload.
    if (before === 'unlink' && kind === 'add') this.pending.set(file, 'change');
    else if (before === 'add' && kind === 'change') this.pending.set(file, 'add');
    else this.pending.set(file, kind);
    if (this.pending.size === 1 && before === undefined) this.firstPendingAt = performance.now();
    this.scheduleFlush();
  }

  /**
   * Changes go out on the next turn of the event loop (the events of one syscall arrive
   * together). A removal waits until the writes are over: a folder deleted and written again
   * (a checkout, a copy over it) is a change, not a plugin removed and found again.
   */
  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = setImmediate(() => {
      this.flushing = undefined;
      if (![...this.pending.values()].includes('unlink')) return this.flush();
      Promise.resolve(this.settled())
        .then(() => this.flush())
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'flush failed'));
    });
  }

  private flush(): void {
    if (this.pending.size === 0 || this.closed) return;
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
