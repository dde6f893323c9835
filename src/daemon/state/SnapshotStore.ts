import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { DiagnosticCodes, SnapshotCause } from '../../protocol/index.js';
import type { ExtractedState } from '../crossing/hostMessages.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import type { Logger } from '../logs/logger.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import { SnapshotFile, type SnapshotFileContent } from './SnapshotFile.js';
import { emptyHistory, newestFirst, type SnapshotHistory, withEntry } from './snapshotHistory.js';
import { type StateNotWritten, WriteReports } from './WriteReports.js';
import { stateNotWrittenAnswer, whyItFailed } from './writeFailures.js';

/** A plugin's saved state: plain data of the daemon's realm, as `extractState` makes it. */
export interface Snapshot {
  value: unknown;
  savedAt: Date;
  /** The generation that saved it. */
  generation: number;
  /** The manifest's `stateVersion` of that generation. */
  stateVersion?: number;
  takenBy?: SnapshotCause;
  /** Its size, serialized (as v8 writes it to the state folder). */
  sizeBytes?: number;
}

export interface SnapshotLoadProblem {
  pluginId: string;
  file: string;
  message: string;
}

export type { StateNotWritten } from './WriteReports.js';

export interface SnapshotStoreOptions {
  /** Where snapshots are written; without it they live in memory only. */
  stateDir?: string;
  logger: Logger;
  /** Told when a plugin's state is too large to be written before every answer. */
  diagnostics?: DiagnosticsStore;
  /** States larger than this (serialized) are written at most every `largeStateIntervalMs`. */
  largeStateBytes?: number;
  largeStateIntervalMs?: number;
  /** Reload, rollback, request and stop snapshots kept per plugin (DEFAULT_SNAPSHOT_HISTORY). */
  history?: number;
  /** Generations whose snapshot taken while running is kept per plugin (DEFAULT_RUNNING_HISTORY). */
  runningHistory?: number;
  /** DEFAULT_MAX_SNAPSHOT_BYTES. */
  maxSnapshotBytes?: number;
  /** DEFAULT_WRITE_RETRY_MS. */
  writeRetryMs?: number;
}

export const DEFAULT_LARGE_STATE_BYTES = 8 * 1024 * 1024;
/**
 * Snapshots of reloads, rollbacks, requests and stops kept per plugin for `plugin/getState`'s
 * history; what generations take while they run is kept apart (DEFAULT_RUNNING_HISTORY).
 */
export const DEFAULT_SNAPSHOT_HISTORY = 20;
/** Generations whose newest snapshot taken while running (timers, listeners, commands) is kept. */
export const DEFAULT_RUNNING_HISTORY = 5;
/** A snapshot larger than this is refused (the previous one is kept), with a diagnostic. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_LARGE_STATE_INTERVAL_MS = 1000;
/** A snapshot that could not be written is tried again this often while nothing newer comes. */
export const DEFAULT_WRITE_RETRY_MS = 2000;

const SUFFIX = '.snapshot';

/** What the store keeps of one plugin. */
interface PluginSnapshots {
  /** Its last snapshot: what its next generation starts from. */
  last?: Snapshot;
  /** The snapshots kept for `plugin/getState`'s history (snapshotHistory.ts); `last` is the newest. */
  history: SnapshotHistory<Snapshot>;
  /** Where it is written, with a state folder (made at its first write). */
  file?: SnapshotFile;
  /** Its last snapshot was refused for its size (said when that starts and when it ends). */
  tooLarge: boolean;
}

/**
 * The last state of every plugin, kept after it is unloaded, disabled or deleted. With a state
 * folder it is also written to disk (v8 serialization, so Date, Map, Set and typed arrays come
 * back as they went), one file per plugin, durably (SnapshotFile), and read back at start.
 * `settled()` is what lets a command's answer wait until its effect is on disk.
 */
export class SnapshotStore {
  /** Every plugin's snapshots, by id: of plugins running, removed, or not found yet (read from disk). */
  private readonly plugins = new Map<string, PluginSnapshots>();
  /** The order snapshots were kept in, across plugins: the history's newest first. */
  private kept = 0;
  private readonly writes: WriteReports;

  constructor(private readonly options: SnapshotStoreOptions) {
    this.writes = new WriteReports('state', options.logger, options.diagnostics);
  }

  get(pluginId: string): Snapshot | undefined {
    return this.plugins.get(pluginId)?.last;
  }

  set(pluginId: string, snapshot: Snapshot): void {
    this.of(pluginId).last = snapshot;
    this.remember(pluginId, snapshot);
    const { takenBy: _takenBy, sizeBytes: _sizeBytes, ...content } = snapshot;
    this.fileOf(pluginId)?.put({ format: 1, pluginId, ...content });
  }

  /** The plugin's snapshots kept, newest first: its points, and the newest its generations took while running. */
  history(pluginId: string): readonly Snapshot[] {
    return newestFirst(this.plugins.get(pluginId)?.history ?? emptyHistory());
  }

  private of(pluginId: string): PluginSnapshots {
    let plugin = this.plugins.get(pluginId);
    if (!plugin) {
      plugin = { history: emptyHistory(), tooLarge: false };
      this.plugins.set(pluginId, plugin);
    }
    return plugin;
  }

  /** The newest snapshot of the history that `generation` took. */
  ofGeneration(pluginId: string, generation: number): Snapshot | undefined {
    return this.history(pluginId).find((s) => s.generation === generation);
  }

  /**
   * Keeps state a generation handed over (already copied out of its realm by its host) as the
   * plugin's snapshot. Undefined state keeps the previous snapshot.
   */
  keep(
    pluginId: string,
    extracted: ExtractedState,
    from: { generation: number; stateVersion?: number | undefined },
    takenBy: SnapshotCause,
  ): Snapshot | undefined {
    if (extracted.value === undefined) return undefined;
    const sizeBytes = v8.serialize(extracted.value).byteLength;
    const limit = this.options.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
    // Said when it starts and when it ends, not at every snapshot.
    const tooLarge = sizeBytes > limit;
    const plugin = this.of(pluginId);
    if (tooLarge !== plugin.tooLarge) {
      plugin.tooLarge = tooLarge;
      this.options.diagnostics?.set(
        pluginId,
        DiagnosticSource.SnapshotSize,
        tooLarge
          ? [
              {
                pluginId,
                severity: 'error',
                code: DiagnosticCodes.SnapshotTooLarge,
                message: `a snapshot of the plugin's state (${takenBy}) is ${mib(sizeBytes)}, over the ${mib(limit)} limit: it was refused, and the previous one is kept (maxSnapshotBytes in the config raises the limit)`,
              },
            ]
          : [],
      );
    }
    if (tooLarge) return undefined;
    const snapshot: Snapshot = {
      value: extracted.value,
      savedAt: new Date(),
      generation: from.generation,
      ...(from.stateVersion !== undefined ? { stateVersion: from.stateVersion } : {}),
      takenBy,
      sizeBytes,
    };
    this.set(pluginId, snapshot);
    return snapshot;
  }

  private remember(pluginId: string, snapshot: Snapshot): void {
    const plugin = this.of(pluginId);
    plugin.history = withEntry(
      plugin.history,
      { snapshot, order: this.kept++ },
      {
        points: this.options.history ?? DEFAULT_SNAPSHOT_HISTORY,
        running: this.options.runningHistory ?? DEFAULT_RUNNING_HISTORY,
      },
    );
  }

  /**
   * Resolves once every snapshot of the plugin handed over so far is on disk: at once without a
   * state folder, and for a state too large to be written each time (it is written late). Fails
   * with RELOADD_STATE_NOT_WRITTEN when the write that held them failed, or while the plugin's
   * writes fail: an answer that waits for this is never a success its state does not hold.
   */
  settled(pluginId: string): Promise<void> {
    const file = this.plugins.get(pluginId)?.file;
    if (!file) return Promise.resolve();
    return file.settled().catch((error: unknown) => {
      throw RequestFailure.stateNotWritten(stateNotWrittenAnswer(pluginId, file.file, error));
    });
  }

  /**
   * Reads every snapshot file; an unreadable one is moved aside (never deleted) and reported.
   * Temporary files of writes that a crash cut short are removed: the file beside each is whole.
   */
  async loadAll(): Promise<SnapshotLoadProblem[]> {
    const dir = this.options.stateDir;
    if (!dir) return [];
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir))
      if (name.endsWith('.tmp')) await unlink(path.join(dir, name)).catch(() => undefined);
    const read = async (pluginId: string, file: string) => {
      const data = v8.deserialize(await readFile(file)) as Partial<SnapshotFileContent>;
      if (data?.format !== 1 || data.pluginId !== pluginId || !(data.savedAt instanceof Date)) {
        throw new Error('not a reloadd snapshot (unknown format or wrong plugin id)');
      }
      const snapshot: Snapshot = {
        value: data.value,
        savedAt: data.savedAt,
        generation: data.generation ?? 0,
        ...(data.stateVersion !== undefined ? { stateVersion: data.stateVersion } : {}),
        takenBy: SnapshotCause.Disk,
      };
      this.of(pluginId).last = snapshot;
      this.remember(pluginId, snapshot);
    };
    return readStateFiles(dir, SUFFIX, read, { what: 'saved state', next: 'snapshot' });
  }

  /**
   * Writes every snapshot handed over so far (large ones too, and those that could not be
   * written before), and resolves with the plugins whose state is still not on disk.
   */
  flush(): Promise<StateNotWritten[]> {
    return this.writes.flush(this.files());
  }

  private *files(): Iterable<[string, SnapshotFile]> {
    for (const [pluginId, { file }] of this.plugins) if (file) yield [pluginId, file];
  }

  /** Stops trying failed writes again by themselves (the daemon has stopped). */
  close(): void {
    for (const [, file] of this.files()) file.close();
  }

  private fileOf(pluginId: string): SnapshotFile | undefined {
    const dir = this.options.stateDir;
    if (!dir) return undefined;
    const plugin = this.of(pluginId);
    let file = plugin.file;
    if (!file) {
      const largeBytes = this.options.largeStateBytes ?? DEFAULT_LARGE_STATE_BYTES;
      const largeIntervalMs = this.options.largeStateIntervalMs ?? DEFAULT_LARGE_STATE_INTERVAL_MS;
      const retryMs = this.options.writeRetryMs ?? DEFAULT_WRITE_RETRY_MS;
      const fileName = path.join(dir, `${pluginId}${SUFFIX}`);
      file = new SnapshotFile(fileName, {
        largeBytes,
        largeIntervalMs,
        retryMs,
        onSizeClass: (large, bytes) =>
          this.sizeClassChanged(pluginId, large, bytes, largeIntervalMs),
        onError: (error) => this.writes.failed(pluginId, fileName, error, retryMs),
        onRecovered: () => this.writes.recovered(pluginId, fileName),
      });
      plugin.file = file;
    }
    return file;
  }

  private sizeClassChanged(pluginId: string, large: boolean, bytes: number, everyMs: number) {
    const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
    const limit = this.options.largeStateBytes ?? DEFAULT_LARGE_STATE_BYTES;
    this.options.diagnostics?.set(
      pluginId,
      DiagnosticSource.State,
      large
        ? [
            {
              pluginId,
              severity: 'warning',
              code: DiagnosticCodes.StateWrittenLate,
              message: `the plugin's state is ${mb(bytes)}, over the ${mb(limit)} written before every answer: it is written at most every ${everyMs} ms instead, so a crash can lose up to ${everyMs} ms of acknowledged commands (largeStateBytes in the config raises the limit)`,
            },
          ]
        : [],
    );
  }
}

/**
 * Reads each file of the state folder named `<plugin id><suffix>`; one that `read` cannot take is
 * set aside, and what to say of it is returned.
 */
export async function readStateFiles(
  dir: string,
  suffix: string,
  read: (pluginId: string, file: string) => Promise<void>,
  names: { what: string; next: string },
): Promise<SnapshotLoadProblem[]> {
  const problems: SnapshotLoadProblem[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(suffix)) continue;
    const pluginId = name.slice(0, -suffix.length);
    const file = path.join(dir, name);
    try {
      await read(pluginId, file);
    } catch (error) {
      problems.push(await setAside(pluginId, file, names.what, names.next, error));
    }
  }
  return problems;
}

/**
 * A file of the state folder that could not be read: moved aside (`<file>.corrupt-<ms>`), never
 * deleted, and what to say of it. `what` is what it held ("saved state"), `next` what replaces it.
 */
async function setAside(
  pluginId: string,
  file: string,
  what: string,
  next: string,
  error: unknown,
): Promise<SnapshotLoadProblem> {
  const aside = `${file}.corrupt-${Date.now()}`;
  const notMoved = await rename(file, aside).then(
    () => undefined,
    (moveError: unknown) => moveError,
  );
  const unread = `the ${what} in ${path.basename(file)} could not be read (${(error as Error).message})`;
  return notMoved === undefined
    ? {
        pluginId,
        file: aside,
        message: `${unread}; it was moved to ${path.basename(aside)} and the plugin starts without it`,
      }
    : {
        pluginId,
        file,
        message: `${unread}, and it could not be moved aside: ${whyItFailed(notMoved)}. It stays where it is, and the plugin starts without it (its next ${next} replaces it)`,
      };
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
