import { open, rename } from 'node:fs/promises';
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

export interface SnapshotFileOptions {
  /** States larger than this, serialized, are written at most every `largeIntervalMs`. */
  largeBytes: number;
  largeIntervalMs: number;
  /** A state became large or small again (the store warns about it). */
  onSizeClass(large: boolean, bytes: number): void;
  onError(error: unknown): void;
}

/**
 * One plugin's state file. Writes are durable (temp file, fsync, rename, fsync of the folder),
 * so a file is always a whole snapshot, and `settled()` tells when what was handed over is on
 * disk. Snapshots that come while one is being written are grouped: only the latest is written
 * next, and everyone waiting shares that one write. A large state is written at most every
 * `largeIntervalMs`, and nobody waits for it.
 */
export class SnapshotFile {
  private pending: SnapshotFileContent | undefined;
  /** Waiting for the pending snapshot's write. */
  private waiting: (() => void)[] = [];
  /** Waiting for the write under way. */
  private inWrite: (() => void)[] = [];
  private writing: Promise<void> | undefined;
  private large = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /** Write what is pending now, without the large-state pause (the daemon is stopping). */
  private urgent = false;
  private written = 0;

  constructor(
    readonly file: string,
    private readonly options: SnapshotFileOptions,
  ) {}

  /** How many times the file was written (fewer than snapshots put: they are grouped). */
  get writes(): number {
    return this.written;
  }

  put(content: SnapshotFileContent): void {
    this.pending = content;
    this.writing ??= this.drain();
  }

  /** Resolves once everything put so far is on disk (at once for a large state). */
  settled(): Promise<void> {
    if (!this.writing || this.large) return Promise.resolve();
    return new Promise((resolve) => (this.pending ? this.waiting : this.inWrite).push(resolve));
  }

  /** Writes what is pending now and resolves when it is on disk. */
  async flush(): Promise<void> {
    this.urgent = true;
    await this.writing;
    this.urgent = false;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      if (this.large && !this.urgent) {
        const wait = this.lastWriteAt + this.options.largeIntervalMs - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const content = this.pending;
      this.inWrite = this.waiting;
      this.pending = undefined;
      this.waiting = [];
      try {
        const bytes = v8.serialize(content);
        const large = bytes.length > this.options.largeBytes;
        if (large !== this.large) {
          this.large = large;
          this.options.onSizeClass(large, bytes.length);
        }
        await writeDurably(this.file, bytes);
        this.written += 1;
      } catch (error) {
        this.options.onError(error);
      }
      this.lastWriteAt = performance.now();
      for (const done of this.inWrite.splice(0)) done();
    }
    this.writing = undefined;
  }
}

/** Temp file beside it, fsync, rename over it, fsync of the folder: after a crash, the old file or the new, whole. */
async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const folder = await open(path.dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
