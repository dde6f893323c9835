import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StorageCall } from '../crossing/hostMessages.js';
import type { DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import type { Logger } from '../logs/logger.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import { SnapshotFile } from './SnapshotFile.js';
import {
  DEFAULT_WRITE_RETRY_MS,
  readStateFiles,
  type SnapshotLoadProblem,
} from './SnapshotStore.js';
import { type StateNotWritten, WriteReports } from './WriteReports.js';
import { storageNotWrittenAnswer } from './writeFailures.js';

/** What a storage file holds: one plugin's storage, as JSON (`<id>.storage.json`). */
export interface StorageFileContent {
  format: 1;
  pluginId: string;
  /** Key → value, in the order the keys were first set. */
  values: Record<string, unknown>;
}

export interface PluginStorageOptions {
  /** Where storage files are written; without it storage lives in memory only. */
  stateDir?: string;
  logger: Logger;
  diagnostics?: DiagnosticsStore;
  /** DEFAULT_WRITE_RETRY_MS. */
  writeRetryMs?: number;
}

const SUFFIX = '.storage.json';

/**
 * Every plugin's storage: keys to JSON values that a plugin sets and deletes itself, kept across
 * its reloads and, with a state folder, across daemon restarts. It is not state: no reload hands
 * it over, no snapshot restores it. With a state folder each plugin's storage is one JSON file,
 * written durably as a snapshot is (SnapshotFile: temp file, fsync, rename, fsync of the folder),
 * and a `set` or `delete` is answered only once its write is on disk; a write that fails answers
 * RELOADD_STATE_NOT_WRITTEN, as a command whose snapshot could not be written does.
 */
export class PluginStorage {
  private readonly values = new Map<string, Map<string, unknown>>();
  private readonly files = new Map<string, SnapshotFile<StorageFileContent>>();
  private readonly writes: WriteReports;

  constructor(private readonly options: PluginStorageOptions) {
    this.writes = new WriteReports('storage', options.logger, options.diagnostics);
  }

  /** Whether the plugin has stored anything (a removed plugin's storage stays readable). */
  has(pluginId: string): boolean {
    return this.values.has(pluginId);
  }

  /** The plugin's storage as one JSON object (`plugin/getState`'s `storage`). */
  entries(pluginId: string): Record<string, unknown> {
    return Object.fromEntries(this.values.get(pluginId) ?? []);
  }

  /** One call of a plugin on its own storage: `get` gives the value (null when unset). */
  call(pluginId: string, call: StorageCall): Promise<unknown> {
    const values = this.values.get(pluginId) ?? new Map<string, unknown>();
    switch (call.action) {
      case 'get':
        return Promise.resolve(values.get(call.key) ?? null);
      case 'set':
        values.set(call.key, call.value ?? null);
        break;
      case 'delete':
        values.delete(call.key);
        break;
    }
    this.values.set(pluginId, values);
    return this.written(pluginId);
  }

  /** Resolves once the plugin's storage is on disk (at once without a state folder). */
  private async written(pluginId: string): Promise<undefined> {
    const file = this.fileOf(pluginId);
    if (!file) return undefined;
    file.put({ format: 1, pluginId, values: this.entries(pluginId) });
    try {
      await file.settled();
    } catch (error) {
      throw RequestFailure.stateNotWritten(storageNotWrittenAnswer(pluginId, file.file, error));
    }
    return undefined;
  }

  /** Reads every storage file; an unreadable one is moved aside (never deleted) and reported. */
  async loadAll(): Promise<SnapshotLoadProblem[]> {
    const dir = this.options.stateDir;
    if (!dir) return [];
    await mkdir(dir, { recursive: true });
    const read = async (pluginId: string, file: string) => {
      const data = JSON.parse(await readFile(file, 'utf8')) as Partial<StorageFileContent>;
      const values = data?.values;
      if (
        data?.format !== 1 ||
        data.pluginId !== pluginId ||
        typeof values !== 'object' ||
        values === null ||
        Array.isArray(values)
      )
        throw new Error('not a reloadd storage file (unknown format or wrong plugin id)');
      this.values.set(pluginId, new Map(Object.entries(values)));
    };
    return readStateFiles(dir, SUFFIX, read, { what: 'saved storage', next: 'storage write' });
  }

  /** Writes what could not be written before, and resolves with the plugins whose storage is not on disk. */
  flush(): Promise<StateNotWritten[]> {
    return this.writes.flush(this.files);
  }

  /** Stops trying failed writes again by themselves (the daemon has stopped). */
  close(): void {
    for (const file of this.files.values()) file.close();
  }

  private fileOf(pluginId: string): SnapshotFile<StorageFileContent> | undefined {
    const dir = this.options.stateDir;
    if (!dir) return undefined;
    let file = this.files.get(pluginId);
    if (!file) {
      const retryMs = this.options.writeRetryMs ?? DEFAULT_WRITE_RETRY_MS;
      const fileName = path.join(dir, `${pluginId}${SUFFIX}`);
      file = new SnapshotFile<StorageFileContent>(fileName, {
        encode: (content) => Buffer.from(`${JSON.stringify(content, null, 2)}\n`),
        // Never written late: every set and delete waits for its write.
        largeBytes: Number.POSITIVE_INFINITY,
        largeIntervalMs: 0,
        retryMs,
        onSizeClass: () => undefined,
        onError: (error) => this.writes.failed(pluginId, fileName, error, retryMs),
        onRecovered: () => this.writes.recovered(pluginId, fileName),
      });
      this.files.set(pluginId, file);
    }
    return file;
  }
}
