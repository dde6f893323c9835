import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResponseError } from 'vscode-jsonrpc';
import {
  PluginDiagnostics,
  PluginDisable,
  PluginEnable,
  PluginExecuteCommand,
  PluginGetState,
  PluginReload,
  PluginRestoreSnapshot,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;
const increment = (d: Daemon) => d.client.request(PluginExecuteCommand, { command: 'h.increment' });

/** The snapshots kept of each plugin, through the protocol: listed, shown, restored. */
describe('snapshot history', () => {
  it('lists what took each snapshot, shows one by generation, and reloads with it', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'h.js'), counterPlugin('h', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await increment(d); // count 1, generation 1
    await d.client.request(PluginReload, { id: 'h' }); // generation 1 hands 1 over
    await increment(d);
    await increment(d); // count 3, generation 2
    await d.client.request(PluginDisable, { id: 'h' });
    await d.client.request(PluginEnable, { id: 'h' }); // generation 3

    const { history, generation } = await d.client.request(PluginGetState, {
      id: 'h',
      history: true,
    });
    expect(generation).toBe(3);
    // What a generation took after its commands gives way to the newer snapshot of its end.
    expect(history?.map((s) => [s.generation, s.takenBy])).toEqual([
      [3, 'request'],
      [2, 'disable'],
      [1, 'reload'],
    ]);
    expect(history?.every((s) => (s.sizeBytes ?? 0) > 0 && Date.parse(s.savedAt) > 0)).toBe(true);

    const past = await d.client.request(PluginGetState, { id: 'h', generation: 1 });
    expect([past.generation, past.state]).toEqual([1, { count: 1 }]);

    const { result } = await d.client.request(PluginRestoreSnapshot, { id: 'h', generation: 1 });
    expect(result).toMatchObject({ ok: true, generation: 4 });
    expect(await d.client.request(PluginExecuteCommand, { command: 'h.get' })).toMatchObject({
      count: 1,
      generation: 4,
    });
    // The state it replaced is in the history too: nothing a client saw is lost.
    const after = await d.client.request(PluginGetState, { id: 'h', history: true });
    expect(after.history?.some((s) => s.generation === 3 && s.takenBy === 'reload')).toBe(true);
    const reloads = d.reloads.all.filter((r) => r.id === 'h');
    expect(reloads.at(-1)).toMatchObject({ trigger: 'request', ok: true, generation: 4 });
  });

  it('refuses a generation it does not keep, saying which it does', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'h.js'), counterPlugin('h', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await increment(d);
    const error = await d.client
      .request(PluginRestoreSnapshot, { id: 'h', generation: 7 })
      .catch((e: ResponseError<{ code: string }>) => e);
    expect(error).toMatchObject({
      code: -32602,
      data: { code: 'RELOADD_UNKNOWN_SNAPSHOT' },
      message: expect.stringContaining('generations kept: 1'),
    });
  });

  it('keeps the last N, and refuses a snapshot over the size limit with a diagnostic naming its size', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'h.js'),
      counterPlugin('h', 'v1').replace(
        "ctx.commands.register('h.increment', () => ++state.count),",
        "ctx.commands.register('h.increment', () => ++state.count), ctx.commands.register('h.grow', () => { state.blob = 'x'.repeat(4096); return 1; }),",
      ),
    );
    const d = await connectInMemory(dir, {
      expectPlugins: 1,
      snapshotLimits: { history: 3, maxSnapshotBytes: 2048 },
    });
    for (let i = 0; i < 5; i++) {
      await increment(d);
      await d.client.request(PluginReload, { id: 'h' });
    }
    // The reloads of generations 1 to 5, and the request that lists them: the last 3.
    const kept = await d.client.request(PluginGetState, { id: 'h', history: true });
    expect(kept.history?.map((s) => [s.generation, s.takenBy])).toEqual([
      [6, 'request'],
      [5, 'reload'],
      [4, 'reload'],
    ]);
    await d.client.request(PluginExecuteCommand, { command: 'h.grow' });
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'h' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'RELOADD_SNAPSHOT_TOO_LARGE',
        message: expect.stringMatching(/is 4\.0 KiB, over the 2\.0 KiB limit: it was refused/),
      }),
    ]);
    // The refused one is not the snapshot: the last good one is.
    const shown = await d.client.request(PluginGetState, { id: 'h', generation: 6 });
    expect(shown.state).toEqual({ count: 5 });
  });
});
