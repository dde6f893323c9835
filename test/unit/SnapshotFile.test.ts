import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { SnapshotFile, type SnapshotFileContent } from '../../src/daemon/state/SnapshotFile.js';
import { tempDir } from '../helpers/files.js';

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

function snapshotFile(file: string, largeBytes = 1 << 20, largeIntervalMs = 1000) {
  const sizes: boolean[] = [];
  const snapshot = new SnapshotFile(file, {
    largeBytes,
    largeIntervalMs,
    onSizeClass: (large) => sizes.push(large),
    onError: (error) => {
      throw error;
    },
  });
  return { snapshot, sizes };
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
    const { snapshot, sizes } = snapshotFile(file, 1000, 200);
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
});
