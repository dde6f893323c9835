import { afterAll, describe, expect, it } from 'vitest';
import type { ReloaddClient } from '../../../src/clients/index.js';
import {
  EditorEvent,
  LogEntryNotification,
  LogSubscribe,
  PluginExecuteCommand,
  PluginReload,
} from '../../../src/protocol/index.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { copyFixture, tempDir } from '../../helpers/files.js';
import { connectClient, spawnStdioBridge } from '../../helpers/network.js';

/**
 * A reload is one step for every client: calls that race it from 20 clients (the editor over
 * stdio, two editors sharing it through `reloadd connect --stdio`, 17 WebSocket clients) are
 * neither lost nor failed, and nothing runs on a generation whose state was already taken.
 */

const CLIENTS = 20;
const IN_FLIGHT = 4;
const MIN_RELOADS = 20;
const MIN_INCREMENTS = 30;

interface TickState {
  n: number;
  events: number;
  ticks: number;
}

let daemon: DaemonUnderTest | undefined;
afterAll(async () => {
  await daemon?.stop();
});

describe('calls racing reloads', () => {
  it('answers every increment with a number of its own, counts every event once, and runs no tick twice', async () => {
    const workspace = await tempDir();
    const plugins = await tempDir();
    await copyFixture('tick', plugins);
    daemon = await startDaemon(plugins, { workspace, expectPlugins: 1 });
    const clients: ReloaddClient[] = [daemon.client];
    for (let i = 0; i < 2; i++) {
      const bridged = spawnStdioBridge(workspace);
      await bridged.client.initialize(`bridged-${i}`);
      clients.push(bridged.client);
    }
    while (clients.length < CLIENTS)
      clients.push(await connectClient(workspace, `ws-${clients.length}`));
    const reloader = await connectClient(workspace, 'reloader');

    // Every tick the interval logs, as it is logged: a tick that ran on a generation whose
    // state had been taken would be logged twice with the same number.
    const ticks: number[] = [];
    const watcher = await connectClient(workspace, 'tick-log');
    watcher.onNotification(LogEntryNotification, (entry) => {
      const match = /^tick (\d+)$/.exec(entry.message);
      if (match) ticks.push(Number(match[1]));
    });
    await watcher.request(LogSubscribe, { pluginId: 'tick', since: Number.MAX_SAFE_INTEGER });

    let reloads = 0;
    const failures: unknown[] = [];
    const increments = clients.map(async (client) => {
      const answers: unknown[] = [];
      const lane = async () => {
        while (reloads < MIN_RELOADS || answers.length < MIN_INCREMENTS) {
          answers.push(
            await client
              .request(PluginExecuteCommand, { command: 'tick.inc' })
              .catch((error: unknown) => {
                failures.push(error);
                return error;
              }),
          );
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      return answers;
    });
    let events = 0;
    const bumps = (async () => {
      while (reloads < MIN_RELOADS) {
        await reloader.notify(EditorEvent, { event: 'test:bump' });
        events += 1;
        // A typing editor's pace, not a flood: a flood only measures the host's queue.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    let allIncremented = false;
    const reloading = (async () => {
      while (!allIncremented || reloads < MIN_RELOADS) {
        const { results } = await reloader.request(PluginReload, { id: 'tick' });
        expect(results[0]?.error?.message).toBeUndefined();
        reloads += 1;
      }
    })();
    const answered = (await Promise.all(increments)).flat();
    allIncremented = true;
    await Promise.all([reloading, bumps]);

    expect(failures).toEqual([]);
    expect(reloads).toBeGreaterThanOrEqual(MIN_RELOADS);
    expect(answered.every((a) => typeof a === 'number')).toBe(true);
    expect(new Set(answered).size).toBe(answered.length);
    // Asked over the connection that sent the events: it is answered after they are delivered.
    const state = (await reloader.request(PluginExecuteCommand, {
      command: 'tick.get',
    })) as TickState;
    expect(state.n).toBe(answered.length);
    expect(state.events).toBe(events);
    expect(ticks.length).toBeGreaterThan(0);
    expect(new Set(ticks).size).toBe(ticks.length);
    const first = Math.min(...ticks);
    expect(ticks.toSorted((a, b) => a - b)).toEqual(ticks.map((_, i) => first + i));
  });
});
