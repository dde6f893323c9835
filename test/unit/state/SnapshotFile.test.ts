import { mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { SnapshotFile, type SnapshotFileContent } from '../../../src/daemon/state/SnapshotFile.js';
import { tempDir } from '../../helpers/files.js';

const content = (n: number, size = 0): SnapshotFileContent => ({
  format: 1,
  pluginId: 'p',
  value: { n, pad: 'x'.repeat(size) },
  savedAt: new Date(0),
  generation: 1,
});

async function onDisk(file: string): Promise<number> {
  return (v8.deserialize(await readFile(file)) as { value: { n: number } }).value.n;
}

function snapshotFile(
  file: string,
  options: {
    largeBytes?: number;
    largeIntervalMs?: number;
    retryMs?: number;
    /** Told of each failed write, before the next write starts. */
    onError?(error: unknown): void;
  } = {},
) {
  const sizes: boolean[] = [];
  const failures: NodeJS.ErrnoException[] = [];
  let recoveries = 0;
  const snapshot = new SnapshotFile(file, {
    largeBytes: options.largeBytes ?? 1 << 20,
    largeIntervalMs: options.largeIntervalMs ?? 1000,
    retryMs: options.retryMs ?? 60_000,
    onSizeClass: (large) => sizes.push(large),
    onError: (error) => {
      failures.push(error as NodeJS.ErrnoException);
      options.onError?.(error);
    },
    onRecovered: () => {
      recoveries += 1;
    },
  });
  return { snapshot, sizes, failures, recoveries: () => recoveries };
}

/** A state file whose folder does not exist yet: every write fails (ENOENT) until it is made. */
async function unwritable() {
  const folder = path.join(await tempDir(), 'made-later');
  return { folder, file: path.join(folder, 'p.snapshot') };
}

describe('SnapshotFile', () => {
  it('resolves settled() only once what was put is on disk, and groups what comes meanwhile into one write', async () => {
    const file = path.join(await tempDir(), 'p.snapshot');
    const { snapshot } = snapshotFile(file);
    const waits: Promise<void>[] = [];
    for (let n = 1; n <= 50; n++) {
      snapshot.put(content(n));
      waits.push(
        snapshot.settled().then(async () => expect(await onDisk(file)).toBeGreaterThanOrEqual(n)),
      );
    }
    await Promise.all(waits);
    expect(await onDisk(file)).toBe(50);
    // The first write starts at once; the 49 that came while it ran share the next one or two.
    expect(snapshot.writes).toBeLessThanOrEqual(3);
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes a large state at most every interval, and lets nobody wait for it', async () => {
    const file = path.join(await tempDir(), 'p.snapshot');
    const { snapshot, sizes } = snapshotFile(file, { largeBytes: 1000, largeIntervalMs: 200 });
    snapshot.put(content(1, 5000));
    expect(sizes).toEqual([true]); // told as it is serialized, before the write
    await expect.poll(() => snapshot.writes).toBe(1);
    for (let n = 2; n <= 20; n++) {
      snapshot.put(content(n, 5000));
      await snapshot.settled(); // resolves at once now
    }
    expect(snapshot.writes).toBe(1);
    await snapshot.flush();
    expect(await onDisk(file)).toBe(20);
    expect(snapshot.writes).toBe(2);
    // Small again: said so at its next write, and waited for from then on.
    snapshot.put(content(21));
    await snapshot.flush();
    expect(sizes).toEqual([true, false]);
    snapshot.put(content(22));
    await snapshot.settled();
    expect(await onDisk(file)).toBe(22);
  });

  it('fails settled() while writes fail, also with nothing new put, until one succeeds', async () => {
    const { folder, file } = await unwritable();
    const { snapshot, failures, recoveries } = snapshotFile(file);
    snapshot.put(content(1));
    await expect(snapshot.settled()).rejects.toMatchObject({ code: 'ENOENT' });
    // A later call that put nothing (a command that changed nothing) is not told "on disk"
    // either: what it may have read is not there. It tries the unwritten snapshot again.
    await expect(snapshot.settled()).rejects.toMatchObject({ code: 'ENOENT' });
    expect(failures.map((f) => f.code)).toEqual(['ENOENT', 'ENOENT']);
    await mkdir(folder);
    await snapshot.settled();
    expect(await onDisk(file)).toBe(1);
    expect(recoveries()).toBe(1);
    snapshot.put(content(2));
    await snapshot.settled();
    expect(await onDisk(file)).toBe(2);
    expect(recoveries()).toBe(1);
  });

  it('fails only the waiters whose snapshot was in the failed write', async () => {
    const { folder, file } = await unwritable();
    // The first write fails; the folder appears before the next one starts.
    const { snapshot } = snapshotFile(file, { onError: () => mkdirSync(folder) });
    snapshot.put(content(1));
    const inFailedWrite = snapshot.settled();
    snapshot.put(content(2)); // comes while the first is written: waits for the next write
    const inNextWrite = snapshot.settled();
    await expect(inFailedWrite).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(inNextWrite).resolves.toBeUndefined();
    expect(await onDisk(file)).toBe(2);
  });

  it('tells of a large state that could not be written, though nobody waits for it', async () => {
    const { folder, file } = await unwritable();
    const { snapshot, failures } = snapshotFile(file, { largeBytes: 1000, largeIntervalMs: 50 });
    snapshot.put(content(1, 5000));
    expect(await snapshot.flush()).toMatchObject({ code: 'ENOENT' });
    expect(failures).toHaveLength(1);
    // While it stands, nobody is told a large state is as good as written.
    await expect(snapshot.settled()).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(folder);
    expect(await snapshot.flush()).toBeUndefined();
    expect(await onDisk(file)).toBe(1);
    await expect(snapshot.settled()).resolves.toBeUndefined();
  });

  it('answers the waiters and writes again later even when telling of a failure throws', async () => {
    const { folder, file } = await unwritable();
    const thrown: unknown[] = [];
    const onUnhandled = (reason: unknown) => thrown.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { snapshot } = snapshotFile(file, {
        onError: () => {
          throw new Error('a bug in the store');
        },
      });
      snapshot.put(content(1));
      await expect(snapshot.settled()).rejects.toMatchObject({ code: 'ENOENT' });
      await mkdir(folder);
      snapshot.put(content(2));
      await snapshot.settled();
      expect(await onDisk(file)).toBe(2);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('tries a snapshot it could not write again by itself, with nothing more put', async () => {
    const { folder, file } = await unwritable();
    let recovered: () => void = () => undefined;
    const written = new Promise<void>((resolve) => (recovered = resolve));
    const snapshot = new SnapshotFile(file, {
      largeBytes: 1 << 20,
      largeIntervalMs: 1000,
      retryMs: 20,
      onSizeClass: () => undefined,
      onError: () => undefined,
      onRecovered: () => recovered(),
    });
    snapshot.put(content(7));
    await expect(snapshot.settled()).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(folder);
    await written;
    expect(await onDisk(file)).toBe(7);
    snapshot.close();
  });
});
