import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResponseError } from 'vscode-jsonrpc';
import { PluginDiagnostics, PluginExecuteCommand, PluginList } from '../../src/protocol/index.js';
import { editFile, tempDir } from '../helpers/files.js';
import { connectInMemory } from '../helpers/inMemoryDaemon.js';
import { manifest } from '../helpers/pluginSource.js';

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
