import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';

/** What a state file holds: the snapshot, its format and whose it is. */
export interface SnapshotFileContent {
  format: 1;
  pluginId: string;
  value: unknown;
  savedAt: Date;
  generation: number;
  stateVersion?: number;
}

export interface SnapshotFileOptions<Content> {
  /** Its bytes (default: v8's serialization, so Date, Map, Set and typed arrays come back). */
  encode?(content: Content): Uint8Array;
  /** States larger than this, serialized, are written at most every `largeIntervalMs`. */
  largeBytes: number;
  largeIntervalMs: number;
  /** A snapshot that could not be written is tried again this long after, if nothing came since. */
  retryMs: number;
  /** A state became large or small again (the store warns about it). */
  onSizeClass(large: boolean, bytes: number): void;
  /** A write failed (each one, before the next starts); waiters of its snapshot are failed with `error`. */
  onError(error: unknown): void;
  /** A write succeeded after one or more had failed. */
  onRecovered(): void;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * One plugin's state file (its snapshot; or, with `encode`, another of its files: its storage).
 * Writes are durable (temp file, fsync, rename, fsync of the folder),
 * so a file is always a whole snapshot, and `settled()` tells when what was handed over is on
 * disk. Snapshots that come while one is being written are grouped: only the latest is written
 * next, and everyone waiting shares that one write. A large state is written at most every
 * `largeIntervalMs`, and nobody waits for it.
 *
 * A write that fails (a full disk, a read-only remount) fails those waiting for it. From then on
 * until a write succeeds, the file is *failing*: `settled()` fails too (the caller may have read
 * or built on what is not on disk), after trying the unwritten snapshot again when nothing newer
 * is on its way; and it is tried again by itself every `retryMs`.
 */
export class SnapshotFile<Content = SnapshotFileContent> {
  private pending: Content | undefined;
  /** Waiting for the pending snapshot's write. */
  private waiting: Waiter[] = [];
  /** Waiting for the write under way. */
  private inWrite: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private large = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /** Write what is pending now, without the large-state pause (the daemon is stopping). */
  private urgent = false;
  private written = 0;
  /** Why the last write failed, while no write has succeeded since. */
  private failure: unknown;
  /** The newest snapshot that could not be written, while `failure` stands. */
  private unwritten: Content | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly options: SnapshotFileOptions<Content>,
  ) {}

  /** How many times the file was written (fewer than snapshots put: they are grouped). */
  get writes(): number {
    return this.written;
  }

  /** Why the last write failed, or undefined when it succeeded (or none was tried). */
  get lastFailure(): unknown {
    return this.failure;
  }

  put(content: Content): void {
    this.pending = content;
    this.writing ??= this.drain();
  }

  /**
   * Resolves once everything put so far is on disk (at once for a large state); rejects with
   * the write's error when the write that held it failed, or when the file is failing.
   */
  settled(): Promise<void> {
    if (this.failure !== undefined) this.retry();
    if (!this.writing) return Promise.resolve();
    if (this.large)
      return this.failure === undefined ? Promise.resolve() : Promise.reject(this.failure);
    return new Promise((resolve, reject) =>
      (this.pending ? this.waiting : this.inWrite).push({ resolve, reject }),
    );
  }

  /**
   * Writes what is pending now (or what could not be written) and resolves when that is done:
   * with undefined when it is on disk, or with the last write's error when it could not be.
   */
  async flush(): Promise<unknown> {
    this.urgent = true;
    if (this.failure !== undefined) this.retry();
    await this.writing;
    this.urgent = false;
    return this.failure;
  }

  /** No more retries by itself (the daemon has stopped). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  /** Writes the unwritten snapshot again, unless a newer one is on its way. */
  private retry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.writing || !this.unwritten) return;
    this.pending = this.unwritten;
    this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        if (this.large && !this.urgent) {
          const wait = this.lastWriteAt + this.options.largeIntervalMs - performance.now();
          if (wait > 0) await sleep(wait);
        }
        const content = this.pending;
        this.inWrite = this.waiting;
        this.pending = undefined;
        this.waiting = [];
        let error: unknown;
        try {
          const bytes = this.options.encode?.(content) ?? v8.serialize(content);
          const large = bytes.length > this.options.largeBytes;
          if (large !== this.large) {
            this.large = large;
            this.options.onSizeClass(large, bytes.length);
          }
          await writeDurably(this.file, bytes);
          this.written += 1;
        } catch (caught) {
          error = caught ?? new Error('the write failed');
        }
        this.lastWriteAt = performance.now();
        // The waiters first: whatever the store does with the news, they are answered.
        const waiters = this.inWrite.splice(0);
        const recovered = error === undefined && this.failure !== undefined;
        this.failure = error;
        this.unwritten = error === undefined ? undefined : content;
        for (const waiter of waiters) {
          if (error === undefined) waiter.resolve();
          else waiter.reject(error);
        }
        if (error !== undefined) this.options.onError(error);
        else if (recovered) this.options.onRecovered();
      }
    } finally {
      // However it ended, the next put starts a write again, and a failure is tried again.
      this.writing = undefined;
      if (this.failure !== undefined && !this.closed) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.retry(), this.options.retryMs);
        this.retryTimer.unref();
      }
    }
  }
}

/**
 * Temp file beside it, fsync, rename over it, fsync of the folder: after a crash, the old file or
 * the new, whole. A write that fails removes its temp file (a full disk keeps no half snapshot).
 */
async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const folder = await open(path.dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
