import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countingPlugin,
  incrementUntilKilled,
  killPlan,
  restoredState,
} from '../../../bench/killRounds.mjs';
import { startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';

/**
 * Acknowledged means durable: SIGKILL the daemon again and again — right after an answer, or at
 * any moment; with reloads running, or not — and every restart finds the count at least as high
 * as the last number a client was answered, no snapshot corrupt and no temp files left.
 * A sample: each way of killing twice. `npm run bench:durability` runs many more rounds.
 */
const ROUNDS = 8;

describe('state under SIGKILL', () => {
  it('never restores a count below the last acknowledged one', async () => {
    const plugins = await tempDir();
    const stateDir = path.join(await tempDir(), 'state');
    await editFile(path.join(plugins, 'count.js'), countingPlugin);
    const start = () => startDaemon(plugins, { args: ['--state-dir', stateDir], expectPlugins: 1 });
    let acknowledged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const daemon = await start();
      const restored = await restoredState(daemon, stateDir);
      expect(restored.count, `round ${round}`).toBeGreaterThanOrEqual(acknowledged);
      expect([restored.corrupt, restored.tempFiles], `round ${round}`).toEqual([[], []]);
      acknowledged = await incrementUntilKilled(daemon, killPlan(round), acknowledged);
    }
    // The last round's answers too.
    const daemon = await start();
    expect((await restoredState(daemon, stateDir)).count).toBeGreaterThanOrEqual(acknowledged);
    expect(acknowledged).toBeGreaterThan(ROUNDS);
    await daemon.stop();
  });
});
