import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResponseError } from 'vscode-jsonrpc';
import {
  DaemonStatus,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginList,
  PluginReload,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;

/** Waits until the plugin's diagnostics hold `code` (a host's end is told a moment after the call fails). */
async function untilDiagnosed(d: Daemon, id: string, code: string): Promise<void> {
  await expect
    .poll(
      async () =>
        (await d.client.request(PluginDiagnostics, { id })).diagnostics.map((x) => x.code),
      { interval: 100 },
    )
    .toContain(code);
}

/** Each hostile plugin in a process host of its own; what it does is its command `<id>.go`. */
const HOSTILE: Record<string, string> = {
  killer: `require('child_process').execSync('kill -9 ' + process.pid);`,
  exiter: `Buffer.constructor('return process')().exit(5);`,
  hoarder: `const kept = []; for (let i = 0; i < 40; i++) { kept.push(Buffer.alloc(32 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 50)); }`,
  thrower: `process.nextTick(() => { throw new Error('thrown where no plugin call catches it'); }); await new Promise((r) => setTimeout(r, 2000));`,
};

/**
 * `"isolation": "process"`: a plugin whose host is a child process. Whatever ends that process,
 * the daemon (this test's own process) lives on, the plugin is failed with a diagnostic naming
 * it, and its neighbour keeps answering with its state.
 */
describe('process hosts', () => {
  it('run a plugin as a worker host does: commands, reloads with state, its own RSS', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'solo', 'plugin.json'),
      manifest('solo', { isolation: 'process' }),
    );
    await editFile(path.join(dir, 'solo', 'index.js'), counterPlugin('solo', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const run = (command: string) => d.client.request(PluginExecuteCommand, { command });
    await run('solo.increment');
    await d.client.request(PluginReload, { id: 'solo' });
    expect(await run('solo.get')).toMatchObject({ count: 1, generation: 2 });
    const { plugins } = await d.client.request(PluginList, null);
    expect(plugins[0]?.isolation).toBe('process');
    const { memory } = await d.client.request(DaemonStatus, null);
    const host = memory.hosts.find((h) => h.name === 'process:solo');
    expect(host?.plugins).toEqual(['solo']);
    expect(host?.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('end in a failed plugin and a live daemon, whatever ends them, beside a neighbour that keeps its state', async () => {
    const dir = await tempDir();
    for (const [id, body] of Object.entries(HOSTILE)) {
      await editFile(path.join(dir, id, 'plugin.json'), manifest(id, { isolation: 'process' }));
      await editFile(
        path.join(dir, id, 'index.js'),
        `export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('${id}.go', async () => { ${body} return 'survived'; })); }`,
      );
    }
    await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 5, hostMemoryMb: 256 });
    const run = (command: string) => d.client.request(PluginExecuteCommand, { command });
    expect(await run('neighbour.increment')).toBe(1);
    for (const id of Object.keys(HOSTILE)) {
      const failed = await run(`${id}.go`).catch((e: ResponseError<unknown>) => e);
      expect(failed, id).toBeInstanceOf(Error);
      await untilDiagnosed(d, id, 'RELOADD_HOST_CRASHED');
      expect(await run('neighbour.increment'), `after ${id}`).toBeGreaterThan(1);
    }
    const { plugins } = await d.client.request(PluginList, null);
    expect(plugins.map((p) => [p.id, p.status])).toEqual([
      ['exiter', 'failed'],
      ['hoarder', 'failed'],
      ['killer', 'failed'],
      ['neighbour', 'active'],
      ['thrower', 'failed'],
    ]);
    expect(await run('neighbour.get')).toMatchObject({ count: 5 });
    const messages = (await d.client.request(PluginDiagnostics, null)).diagnostics
      .filter((x) => x.code === 'RELOADD_HOST_CRASHED')
      .map((x) => `${x.pluginId}: ${x.message}`);
    expect(messages.join('\n')).toMatch(/killer: .*killed by SIGKILL/);
    expect(messages.join('\n')).toMatch(/hoarder: .*memory/);
  });

  it('end a host over its memory cap as out of memory, at once or while too busy to answer', async () => {
    const dir = await tempDir();
    const bodies: Record<string, string> = {
      // Two gigabytes in one allocation, written at once, under a 256 MB cap.
      gulper: 'Buffer.alloc(2 * 1024 ** 3, 1);',
      // The same, not written: only a jailed host's system limit stops it (the pages never come).
      capped: 'Buffer.alloc(2 * 1024 ** 3);',
      // Filled 32 MB at a time, never yielding: the host answers nothing meanwhile.
      filler:
        'const kept = []; for (let i = 0; i < 64; i++) kept.push(Buffer.alloc(32 * 1024 * 1024, 1));',
    };
    for (const [id, body] of Object.entries(bodies)) {
      const fields =
        id === 'capped' ? { permissions: { fs: { read: ['.'] } } } : { isolation: 'process' };
      await editFile(path.join(dir, id, 'plugin.json'), manifest(id, fields));
      await editFile(
        path.join(dir, id, 'index.js'),
        `export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('${id}.go', () => { ${body} return 'kept'; })); }`,
      );
    }
    await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 4, hostMemoryMb: 256 });
    const run = (command: string) => d.client.request(PluginExecuteCommand, { command });
    for (const id of Object.keys(bodies)) {
      const failed = await run(`${id}.go`).catch((e: ResponseError<unknown>) => e);
      expect(failed, id).toBeInstanceOf(Error);
      await untilDiagnosed(d, id, 'RELOADD_HOST_CRASHED');
      const { diagnostics } = await d.client.request(PluginDiagnostics, { id });
      const crash = diagnostics.find((x) => x.code === 'RELOADD_HOST_CRASHED');
      expect(crash?.message, id).toMatch(/ran out of memory \(the host's limit is 256 MB\)/);
    }
    expect(await run('neighbour.increment')).toBe(1);
  });

  it('stop an endless loop and a heap bomb as worker hosts do, beside a neighbour', async () => {
    const dir = await tempDir();
    const bodies: Record<string, string> = {
      looper: 'for (;;) {}',
      bomber: 'const a = []; for (;;) a.push(new Array(1e6).fill(Math.random()));',
    };
    for (const [id, body] of Object.entries(bodies)) {
      await editFile(path.join(dir, id, 'plugin.json'), manifest(id, { isolation: 'process' }));
      await editFile(
        path.join(dir, id, 'index.js'),
        `export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('${id}.go', () => { ${body} })); }`,
      );
    }
    await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 3, hostMemoryMb: 96, commandMs: 1500 });
    const run = (command: string) => d.client.request(PluginExecuteCommand, { command });
    expect(await run('neighbour.increment')).toBe(1);
    for (const [id, code] of [
      ['looper', 'RELOADD_TIMEOUT'],
      ['bomber', 'RELOADD_HOST_CRASHED'],
    ] as const) {
      await run(`${id}.go`).catch(() => undefined);
      await untilDiagnosed(d, id, code);
    }
    expect(await run('neighbour.increment')).toBe(2);
  });
});
