import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticCodes,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginReload,
} from '../../src/protocol/index.js';
import { type DaemonUnderTest, startDaemon } from '../helpers/daemonProcess.js';
import { editFile, tempDir } from '../helpers/files.js';
import { counterPlugin } from '../helpers/pluginSource.js';

/**
 * Acknowledged means durable: SIGKILL the daemon again and again — right after an answer, or at
 * any moment; with reloads running, or not — and every restart finds the count at least as high
 * as the last number a client was answered, no snapshot corrupt and no temp files left.
 */

const ROUNDS = 24;
const LANES = 4;

describe('state under SIGKILL', () => {
  it('never restores a count below the last acknowledged one', async () => {
    const plugins = await tempDir();
    const stateDir = path.join(await tempDir(), 'state');
    await editFile(path.join(plugins, 'count.js'), counterPlugin('count', 'v1'));
    let acknowledged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const daemon = await startDaemon(plugins, {
        args: ['--state-dir', stateDir],
        expectPlugins: 1,
      });
      const restored = (await daemon.client.request(PluginExecuteCommand, {
        command: 'count.get',
      })) as { count: number };
      expect(restored.count, `round ${round}`).toBeGreaterThanOrEqual(acknowledged);
      const { diagnostics } = await daemon.client.request(PluginDiagnostics, null);
      expect(diagnostics.filter((d) => d.code === DiagnosticCodes.SnapshotCorrupt)).toEqual([]);
      expect((await readdir(stateDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

      const withReloads = round % 2 === 1;
      const afterAnAnswer = round % 4 < 2;
      acknowledged = await incrementUntilKilled(daemon, {
        withReloads,
        // Right after the n-th answer, or at a moment nobody chose.
        killAfterAnswers: afterAnAnswer ? 1 + Math.floor(Math.random() * 40) : undefined,
        killAfterMs: afterAnAnswer ? undefined : 20 + Math.random() * 80,
        acknowledged,
      });
    }
    // The last round's answers too.
    const daemon = await startDaemon(plugins, {
      args: ['--state-dir', stateDir],
      expectPlugins: 1,
    });
    const last = (await daemon.client.request(PluginExecuteCommand, {
      command: 'count.get',
    })) as { count: number };
    expect(last.count).toBeGreaterThanOrEqual(acknowledged);
    expect(acknowledged).toBeGreaterThan(ROUNDS);
    await daemon.stop();
  });
});

/** Increments over several lanes (and reloads) until the daemon is SIGKILLed; the highest answer. */
async function incrementUntilKilled(
  daemon: DaemonUnderTest,
  options: {
    withReloads: boolean;
    killAfterAnswers: number | undefined;
    killAfterMs: number | undefined;
    acknowledged: number;
  },
): Promise<number> {
  let highest = options.acknowledged;
  let answers = 0;
  let alive = true;
  const kill = () => {
    if (!alive) return;
    alive = false;
    daemon.child.kill('SIGKILL');
  };
  if (options.killAfterMs !== undefined) setTimeout(kill, options.killAfterMs);
  const lane = async () => {
    while (alive) {
      const value = await daemon.client
        .request(PluginExecuteCommand, { command: 'count.increment' })
        .catch(() => undefined);
      if (typeof value !== 'number') continue;
      highest = Math.max(highest, value);
      answers += 1;
      if (answers === options.killAfterAnswers) kill();
    }
  };
  const reloads = async () => {
    while (options.withReloads && alive)
      await daemon.client.request(PluginReload, { id: 'count' }).catch(() => undefined);
  };
  await Promise.all([...Array.from({ length: LANES }, lane), reloads(), daemon.exited]);
  daemon.client.dispose();
  return highest;
}
