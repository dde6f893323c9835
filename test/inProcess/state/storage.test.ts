import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticCodes,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginGetState,
  PluginReload,
  Shutdown,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;

/**
 * A plugin written for the Red editor that keeps what it is given in `red.storage` (reloadd's
 * `ctx.storage`): each command answers with what the storage call gave, or the error it failed
 * with (message and code), so that a test sees what the plugin saw.
 */
function storingPlugin(id: string): string {
  return `
const answer = (call) => call.then(
  (value) => ({ value: value === undefined ? 'undefined' : value }),
  (error) => ({ error: error.message, code: error.code }),
);
export async function activate(red) {
  red.addCommand('${id}.set', (key, value) => answer(red.storage.set(key, value)));
  red.addCommand('${id}.get', (key) => answer(red.storage.get(key)));
  red.addCommand('${id}.delete', (key) => answer(red.storage.delete(key)));
}
`;
}

const run = (d: Daemon, command: string, ...args: unknown[]) =>
  d.client.request(PluginExecuteCommand, { command, args });

describe('red.storage (ctx.storage)', () => {
  it('keeps JSON values per plugin across reloads and daemon restarts, in --state-dir', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await editFile(path.join(dir, 'keeper.js'), storingPlugin('keeper'));
    await editFile(path.join(dir, 'other.js'), storingPlugin('other'));
    const first = await connectInMemory(dir, { stateDir, expectPlugins: 2 });
    expect(await run(first, 'keeper.get', 'missing')).toEqual({ value: null });
    expect(await run(first, 'keeper.set', 'latest', { buffers: ['a.rs'], at: 3 })).toEqual({
      value: 'undefined',
    });
    // Values are JSON: a Date arrives as its ISO string.
    await run(first, 'keeper.set', 'since', '2026-01-01T00:00:00.000Z');
    await run(first, 'keeper.set', 'gone', 1);
    expect(await run(first, 'keeper.delete', 'gone')).toEqual({ value: 'undefined' });
    // Each plugin has its own.
    expect(await run(first, 'other.get', 'latest')).toEqual({ value: null });
    // Acknowledged means on disk: the file holds it now, before any stop.
    expect(JSON.parse(await readFile(path.join(stateDir, 'keeper.storage.json'), 'utf8'))).toEqual({
      format: 1,
      pluginId: 'keeper',
      values: { latest: { buffers: ['a.rs'], at: 3 }, since: '2026-01-01T00:00:00.000Z' },
    });
    await first.client.request(PluginReload, { id: 'keeper' });
    expect(await run(first, 'keeper.get', 'latest')).toEqual({
      value: { buffers: ['a.rs'], at: 3 },
    });
    await first.client.request(Shutdown, null);

    const second = await connectInMemory(dir, { stateDir, expectPlugins: 2 });
    expect(await run(second, 'keeper.get', 'latest')).toEqual({
      value: { buffers: ['a.rs'], at: 3 },
    });
    expect(await run(second, 'keeper.get', 'gone')).toEqual({ value: null });
    // The dashboard's state view shows it beside the state.
    expect(await second.client.request(PluginGetState, { id: 'keeper' })).toMatchObject({
      state: null,
      storage: { latest: { buffers: ['a.rs'], at: 3 }, since: '2026-01-01T00:00:00.000Z' },
    });
    expect(await second.client.request(PluginGetState, { id: 'other' })).toMatchObject({
      storage: {},
    });
  });

  it('keeps it in memory, across reloads, without --state-dir', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'keeper.js'), storingPlugin('keeper'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await run(d, 'keeper.set', 'n', 7);
    await d.client.request(PluginReload, { id: 'keeper' });
    expect(await run(d, 'keeper.get', 'n')).toEqual({ value: 7 });
  });

  it('rejects a set whose write fails with RELOADD_STATE_NOT_WRITTEN, says why, and recovers', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await editFile(path.join(dir, 'keeper.js'), storingPlugin('keeper'));
    const d = await connectInMemory(dir, { stateDir, expectPlugins: 1 });
    await run(d, 'keeper.set', 'n', 1);
    // A folder where the write's temp file goes: the write fails, as a full disk's would.
    const file = path.join(stateDir, 'keeper.storage.json');
    const blocker = `${file}.${process.pid}.tmp`;
    await mkdir(blocker);
    const failed = (await run(d, 'keeper.set', 'n', 2)) as { error: string; code: string };
    expect(failed.code).toBe('RELOADD_STATE_NOT_WRITTEN');
    expect(failed.error).toContain(file);
    const published = await d.diagnostics.waitFor(
      (p) =>
        p.pluginId === 'keeper' &&
        p.diagnostics.some((x) => x.code === DiagnosticCodes.StateNotWritten),
    );
    expect(published.diagnostics[0]?.message).toContain('storage');
    // The disk on disk is still the last write that succeeded.
    expect(JSON.parse(await readFile(file, 'utf8')).values).toEqual({ n: 1 });

    await rmdir(blocker);
    expect(await run(d, 'keeper.set', 'n', 3)).toEqual({ value: 'undefined' });
    expect(JSON.parse(await readFile(file, 'utf8')).values).toEqual({ n: 3 });
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'keeper' });
    expect(diagnostics).toEqual([]);
  });

  it('moves an unreadable storage file aside and starts the plugin without it', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await editFile(path.join(dir, 'keeper.js'), storingPlugin('keeper'));
    await writeFile(path.join(stateDir, 'keeper.storage.json'), '{ not json');
    const d = await connectInMemory(dir, { stateDir, expectPlugins: 1 });
    expect(await run(d, 'keeper.get', 'n')).toEqual({ value: null });
    expect(
      (await readdir(stateDir)).filter((f) => /^keeper\.storage\.json\.corrupt-\d+$/.test(f)),
    ).toHaveLength(1);
    const warning = d.diagnostics.all
      .flatMap((p) => p.diagnostics)
      .find((x) => x.code === DiagnosticCodes.SnapshotCorrupt);
    expect(warning?.message).toContain('keeper.storage.json could not be read');
  });

  it('is open to a plugin with permissions (its own, with no grant), and to no one in its name', async () => {
    const dir = await tempDir();
    const jailed = `
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('jailed.store', async (value) => { await ctx.storage.set('mine', value); return ctx.storage.get('mine'); }),
    // Round the realm to the real process, and post a storage call in another plugin's name.
    ctx.commands.register('jailed.forge', () => {
      Buffer.constructor('return process')().send({ op: 'callStorage', id: 998, pluginId: 'keeper', call: { action: 'set', key: 'n', value: 'forged' } });
      return 'posted';
    }),
  );
}
`;
    await editFile(
      path.join(dir, 'jailed', 'plugin.json'),
      manifest('jailed', { permissions: { fs: { read: ['.'] } } }),
    );
    await editFile(path.join(dir, 'jailed', 'index.js'), jailed);
    await editFile(path.join(dir, 'keeper.js'), storingPlugin('keeper'));
    await editFile(path.join(dir, 'count.js'), counterPlugin('count', 'v1'));
    const stateDir = await tempDir();
    const d = await connectInMemory(dir, { stateDir, expectPlugins: 3 });
    expect(await run(d, 'jailed.store', { kept: true })).toEqual({ kept: true });
    expect(await run(d, 'jailed.forge')).toBe('posted');
    // What it posted in the keeper's name was not heard.
    await run(d, 'count.increment');
    expect(await run(d, 'keeper.get', 'n')).toEqual({ value: null });
    const logged = d.logs
      .snapshot()
      .map((e) => e.message)
      .join('\n');
    expect(logged).toContain('sent "callStorage" for plugin "keeper", which it does not run');
  });
});
