import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResponseError } from 'vscode-jsonrpc';
import {
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginList,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

const TRIES = `
const fs = require('fs');
const path = require('path');
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('ID.readGranted', () => fs.readFileSync(path.join(ctx.path, 'data', 'a.txt'), 'utf8')),
    ctx.commands.register('ID.readOutside', () => fs.readFileSync('/etc/hostname', 'utf8')),
    ctx.commands.register('ID.spawn', () => String(require('child_process').execSync('echo spawned')).trim()),
    ctx.commands.register('ID.worker', () => { new (require('worker_threads').Worker)('1', { eval: true }).terminate(); return 'started'; }),
  );
}
`;

/**
 * `permissions` in a manifest: the plugin runs in a process host under Node's permission model,
 * with what it is granted and nothing more. A denial is the command's error and a diagnostic
 * naming the permission and the manifest line that would allow it; the plugin runs on.
 */
describe('plugins with permissions', () => {
  it('may do what they are granted, and are refused the rest, with the grant to add', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'strict', 'plugin.json'),
      manifest('strict', { permissions: { fs: { read: ['data'] } } }),
    );
    await editFile(path.join(dir, 'strict', 'index.js'), TRIES.replaceAll('ID', 'strict'));
    await editFile(path.join(dir, 'strict', 'data', 'a.txt'), 'granted');
    await editFile(
      path.join(dir, 'trusted', 'plugin.json'),
      manifest('trusted', { permissions: { childProcess: true, worker: true } }),
    );
    await editFile(path.join(dir, 'trusted', 'index.js'), TRIES.replaceAll('ID', 'trusted'));
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    const run = (command: string) =>
      d.client
        .request(PluginExecuteCommand, { command })
        .catch((e: ResponseError<unknown>) => `refused: ${e.message}`);

    expect(await run('strict.readGranted')).toBe('granted');
    expect(await run('strict.readOutside')).toMatch(
      /refused: .*was denied FileSystemRead of \/etc\/hostname by its permissions; to allow it, add "\/etc\/hostname" to "permissions": \{ "fs": \{ "read"/,
    );
    expect(await run('strict.spawn')).toMatch(
      /refused: .*denied ChildProcess .*"childProcess": true/,
    );
    expect(await run('strict.worker')).toMatch(/refused: .*denied WorkerThreads .*"worker": true/);
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'strict' });
    expect(diagnostics.map((x) => x.code)).toEqual([
      'RELOADD_PERMISSION_DENIED',
      'RELOADD_PERMISSION_DENIED',
      'RELOADD_PERMISSION_DENIED',
    ]);

    expect(await run('trusted.spawn')).toBe('spawned');
    expect(await run('trusted.worker')).toBe('started');
    expect(await run('trusted.readGranted')).toMatch(/refused: .*FileSystemRead/);

    const { plugins } = await d.client.request(PluginList, null);
    expect(plugins.map((p) => [p.id, p.status, p.isolation])).toEqual([
      ['strict', 'active', 'process'],
      ['trusted', 'active', 'process'],
    ]);
  });

  it("are jailed beyond the file system: the environment, the network, signals, others' commands", async () => {
    // What the daemon (this test's process) holds: a secret in its environment, a server on
    // loopback, and its own pid.
    process.env.RELOADD_TEST_SECRET = 'hunter2';
    const server = net.createServer((socket) => socket.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const dir = await tempDir();
    const jailedPlugin = (id: string) => `
const fs = require('fs');
const net = require('net');
const path = require('path');
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('${id}.env', () => process.env.RELOADD_TEST_SECRET ?? 'unset'),
    ctx.commands.register('${id}.read', () => fs.readFileSync(path.join(ctx.path, 'data', 'a.txt'), 'utf8')),
    ctx.commands.register('${id}.connect', () => new Promise((resolve, reject) => {
      const socket = net.connect(${port}, '127.0.0.1');
      socket.on('data', (d) => resolve(String(d)));
      socket.on('error', reject);
    })),
    ctx.commands.register('${id}.signal', () => process.kill(${process.pid}, 0)),
    ctx.commands.register('${id}.neighbour', () => ctx.commands.execute('neighbour.increment')),
    ctx.commands.register('${id}.editor', () => ctx.editor.call('getEditorInfo')),
    // Round the realm to the real process, and post what the daemon would take from the host:
    // a call of the neighbour's command in another plugin's name.
    ctx.commands.register('${id}.forge', () => {
      Buffer.constructor('return process')().send({ op: 'callCommand', id: 999, fromPluginId: 'neighbour', name: 'neighbour.increment', args: [] });
      return 'posted';
    }),
  );
}
`;
    for (const [id, permissions, extra] of [
      ['jailed', { fs: { read: ['data'] } }, {}],
      [
        'granted',
        {
          fs: { read: ['data'] },
          net: true,
          env: ['RELOADD_TEST_SECRET'],
          editor: ['getEditorInfo'],
        },
        { dependencies: ['neighbour'] },
      ],
    ] as const) {
      await editFile(path.join(dir, id, 'plugin.json'), manifest(id, { permissions, ...extra }));
      await editFile(path.join(dir, id, 'index.js'), jailedPlugin(id));
      await editFile(path.join(dir, id, 'data', 'a.txt'), 'granted read');
    }
    await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
    // An editor that answers: the editor acts with the user's rights, so each call is a grant.
    const d = await connectInMemory(dir, {
      expectPlugins: 3,
      editor: { calls: ['getEditorInfo'], onCall: () => ({ name: 'test-editor' }) },
    });
    const run = (command: string) =>
      d.client
        .request(PluginExecuteCommand, { command })
        .catch((e: ResponseError<unknown>) => `refused: ${e.message}`);
    try {
      // Not granted: each denied, with the permission named (the environment: not there).
      expect(await run('jailed.env')).toBe('unset');
      expect(await run('jailed.connect')).toMatch(
        /refused: .*was denied Network of 127\.0\.0\.1:\d+ by its permissions; to allow it, set "permissions": \{ "net": true \}/,
      );
      expect(await run('jailed.signal')).toMatch(
        /refused: .*was denied Signal of a process outside its host by its permissions/,
      );
      expect(await run('jailed.neighbour')).toMatch(
        /refused: .*plugin "jailed" was denied Command "neighbour\.increment" \(plugin "neighbour's"\) by its permissions; to allow it, add "neighbour" to its "dependencies"/,
      );
      expect(await run('jailed.editor')).toMatch(
        /refused: .*plugin "jailed" was denied Editor "getEditorInfo" by its permissions/,
      );
      // What it posts in another plugin's name is not heard: the neighbour counted nothing.
      expect(await run('jailed.forge')).toBe('posted');
      expect(await run('jailed.read')).toBe('granted read');
      // Granted: each goes through; the neighbour counted once, for its dependant.
      expect(await run('granted.env')).toBe('hunter2');
      expect(await run('granted.connect')).toBe('reached');
      expect(await run('granted.editor')).toEqual({ name: 'test-editor' });
      expect(await run('granted.neighbour')).toBe(1);
      expect(await run('neighbour.increment')).toBe(2);
      const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'jailed' });
      expect(diagnostics.map((x) => x.code)).toEqual(Array(4).fill('RELOADD_PERMISSION_DENIED'));
    } finally {
      server.close();
      delete process.env.RELOADD_TEST_SECRET;
    }
  });

  it('cannot reach the daemon with a signal: killing what it sees as its parent ends its own host', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'parricide', 'plugin.json'),
      manifest('parricide', { permissions: { fs: { read: ['.'] } } }),
    );
    await editFile(
      path.join(dir, 'parricide', 'index.js'),
      `export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('parricide.go', () => { process.kill(process.ppid, 'SIGKILL'); return 'sent'; })); }`,
    );
    await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    await d.client
      .request(PluginExecuteCommand, { command: 'parricide.go' })
      .catch(() => undefined);
    // The daemon (this process) answers, and its neighbour counts on.
    expect(await d.client.request(PluginExecuteCommand, { command: 'neighbour.increment' })).toBe(
      1,
    );
  });

  it('with --require-permissions, refuses a plugin that declares none, and runs one that does', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'open.js'), 'export function activate() {}');
    await editFile(
      path.join(dir, 'declared', 'plugin.json'),
      manifest('declared', { permissions: { fs: { read: ['.'] } } }),
    );
    await editFile(path.join(dir, 'declared', 'index.js'), 'export function activate() {}');
    const d = await connectInMemory(dir, { pluginPolicy: { requirePermissions: true } });
    await expect
      .poll(async () =>
        (await d.client.request(PluginList, null)).plugins.map((p) => [p.id, p.status]),
      )
      .toEqual([
        ['declared', 'active'],
        ['open', 'failed'],
      ]);
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'open' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'RELOADD_PERMISSIONS_REQUIRED',
        message: expect.stringContaining('declares no "permissions"'),
      }),
    ]);
  });

  it('with --isolation process, runs in processes the plugins whose manifest does not choose', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'loose.js'), 'export function activate() {}');
    await editFile(
      path.join(dir, 'chosen', 'plugin.json'),
      manifest('chosen', { isolation: 'shared' }),
    );
    await editFile(path.join(dir, 'chosen', 'index.js'), 'export function activate() {}');
    const d = await connectInMemory(dir, {
      expectPlugins: 2,
      pluginPolicy: { defaultIsolation: 'process' },
    });
    const { plugins } = await d.client.request(PluginList, null);
    expect(plugins.map((p) => [p.id, p.status, p.isolation])).toEqual([
      ['chosen', 'active', 'shared'],
      ['loose', 'active', 'process'],
    ]);
  });
});
