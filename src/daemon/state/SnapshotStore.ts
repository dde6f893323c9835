import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import type { ExtractedState } from '../crossing/hostMessages.js';
import type { Logger } from '../logs/logger.js';

/** A plugin's saved state: plain data of the daemon's realm, as `extractState` makes it. */
export interface Snapshot {
  value: unknown;
  savedAt: Date;
  /** The generation that saved it. */
  generation: number;
  /** The manifest's `stateVersion` of that generation. */
  stateVersion?: number;
}

interface SnapshotFile extends Snapshot {
  format: 1;
  pluginId: string;
}

export interface SnapshotLoadProblem {
  pluginId: string;
  file: string;
  message: string;
}

const SUFFIX = '.snapshot';

/**
 * The last state of every plugin, kept after it is unloaded, disabled or deleted. With a state
 * folder it is also written to disk (v8 serialization, so Date, Map, Set and typed arrays come
 * back as they went), one file per plugin, replaced atomically, and read back at start.
 */
export class SnapshotStore {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly stateDir: string | undefined,
    private readonly logger: Logger,
  ) {}

  get(pluginId: string): Snapshot | undefined {
    return this.snapshots.get(pluginId);
  }

  set(pluginId: string, snapshot: Snapshot): void {
    this.snapshots.set(pluginId, snapshot);
    if (!this.stateDir) return;
    const dir = this.stateDir;
    // Writes of one plugin are chained so that an older snapshot never lands after a newer one.
    const previous = this.writes.get(pluginId) ?? Promise.resolve();
    const write = previous
      .then(() => writeSnapshotFile(dir, pluginId, snapshot))
      .catch((error: unknown) =>
        this.logger.error({ err: error, plugin: pluginId }, 'could not write the state snapshot'),
      );
    this.writes.set(pluginId, write);
  }

  /**
   * Keeps state a generation handed over (already copied out of its realm by its host) as the
   * plugin's snapshot. Undefined state keeps the previous snapshot.
   */
  keep(
    pluginId: string,
    extracted: ExtractedState,
    from: { generation: number; stateVersion?: number | undefined },
  ): Snapshot | undefined {
    if (extracted.value === undefined) return undefined;
    const snapshot: Snapshot = {
      value: extracted.value,
      savedAt: new Date(),
      generation: from.generation,
      ...(from.stateVersion !== undefined ? { stateVersion: from.stateVersion } : {}),
    };
    this.set(pluginId, snapshot);
    return snapshot;
  }

  /** Reads every snapshot file; an unreadable one is moved aside (never deleted) and reported. */
  async loadAll(): Promise<SnapshotLoadProblem[]> {
    if (!this.stateDir) return [];
    await mkdir(this.stateDir, { recursive: true });
    const problems: SnapshotLoadProblem[] = [];
    for (const name of await readdir(this.stateDir)) {
      if (!name.endsWith(SUFFIX)) continue;
      const pluginId = name.slice(0, -SUFFIX.length);
      const file = path.join(this.stateDir, name);
      try {
        const data = v8.deserialize(await readFile(file)) as Partial<SnapshotFile>;
        if (data?.format !== 1 || data.pluginId !== pluginId || !(data.savedAt instanceof Date)) {
          throw new Error('not a reloadd snapshot (unknown format or wrong plugin id)');
        }
        this.snapshots.set(pluginId, {
          value: data.value,
          savedAt: data.savedAt,
          generation: data.generation ?? 0,
          ...(data.stateVersion !== undefined ? { stateVersion: data.stateVersion } : {}),
        });
      } catch (error) {
        const aside = `${file}.corrupt-${Date.now()}`;
        await rename(file, aside).catch(() => undefined);
        problems.push({
          pluginId,
          file: aside,
          message: `the saved state in ${name} could not be read (${(error as Error).message}); it was moved to ${path.basename(aside)} and the plugin starts without it`,
        });
      }
    }
    return problems;
  }

  /** Resolves when every snapshot handed to `set` so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }
}

async function writeSnapshotFile(dir: string, pluginId: string, snapshot: Snapshot): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${pluginId}${SUFFIX}`);
  const content: SnapshotFile = { format: 1, pluginId, ...snapshot };
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, v8.serialize(content), { mode: 0o600 });
  await rename(temp, file);
}
