import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DaemonSetHotReload,
  DaemonStatus,
  DiagnosticCodes,
  DidChangeWatchedFiles,
  DidSaveTextDocument,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginGetState,
  PluginList,
} from '../../../src/protocol/index.js';
import { editFile, editFileAtomically, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;
const get = (d: Daemon, id: string) =>
  d.client.request(PluginExecuteCommand, { command: `${id}.get` });
const increment = (d: Daemon, id: string) =>
  d.client.request(PluginExecuteCommand, { command: `${id}.increment` });

describe('watching the plugins folder', () => {
  it('loads a plugin folder that appears, unloads one that goes (keeping its state), and restores it on return', async () => {
    const dir = await tempDir();
    const d = await connectInMemory(dir, { expectPlugins: 0 });
    await d.started();
    const folder = path.join(dir, 'late');
    await editFile(path.join(folder, 'index.js'), counterPlugin('late', 'v1'));
    await editFile(path.join(folder, 'plugin.json'), manifest('late'));
    await d.reloads.waitFor((r) => r.id === 'late' && r.ok, { what: 'the new plugin to load' });
    expect(await increment(d, 'late')).toBe(1);

    await rm(folder, { recursive: true });
    await d.statuses.waitFor((s) => s.id === 'late' && s.status === 'removed');
    expect((await d.client.request(PluginList, {})).plugins).toEqual([]);
    expect(await d.client.request(PluginGetState, { id: 'late' })).toMatchObject({
      state: { count: 1 },
    });

    const mark = d.reloads.mark;
    await editFile(path.join(folder, 'index.js'), counterPlugin('late', 'v2'));
    await editFile(path.join(folder, 'plugin.json'), manifest('late'));
    await d.reloads.waitFor((r) => r.id === 'late' && r.ok, { from: mark });
    expect(await get(d, 'late')).toMatchObject({ version: 'v2', count: 1, generation: 2 });
  });

  it('moves a plugin to a host of its own and back when its manifest says so, with its state', async () => {
    const dir = await tempDir();
    const folder = path.join(dir, 'mover');
    await editFile(path.join(folder, 'plugin.json'), manifest('mover'));
    await editFile(
      path.join(folder, 'index.js'),
      `import { threadId } from 'node:worker_threads';
      let state = { count: 0 };
      export function activate(ctx) {
        ctx.subscriptions.push(
          ctx.commands.register('mover.increment', () => ++state.count),
          ctx.commands.register('mover.where', () => ({ threadId, count: state.count })),
        );
      }
      export function saveState() { return state; }
      export function restoreState(saved) { state = saved; }`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const where = () =>
      d.client.request(PluginExecuteCommand, { command: 'mover.where' }) as Promise<{
        threadId: number;
        count: number;
      }>;
    await d.client.request(PluginExecuteCommand, { command: 'mover.increment' });
    const shared = await where();

    // Each move is a swap across two hosts: the state leaves one and arrives in the other.
    for (const [isolation, count] of [
      ['dedicated', 2],
      ['shared', 3],
    ] as const) {
      const mark = d.reloads.mark;
      await editFile(path.join(folder, 'plugin.json'), manifest('mover', { isolation }));
      const reload = await d.reloads.waitFor((r) => r.id === 'mover', { from: mark });
      expect(reload).toMatchObject({ ok: true });
      await d.client.request(PluginExecuteCommand, { command: 'mover.increment' });
      const now = await where();
      expect(now.count).toBe(count);
      if (isolation === 'dedicated') expect(now.threadId).not.toBe(shared.threadId);
      else expect(now.threadId).toBe(shared.threadId);
      // plugin/list says where it runs, and counts its reloads (not its first load).
      const { plugins } = await d.client.request(PluginList, {});
      expect(plugins[0]).toMatchObject({
        isolation,
        reloads: { count: count - 1, failed: 0, successRate: 1 },
      });
    }
  });

  it('reloads every plugin that imports a changed file outside the plugins folder', async () => {
    const root = await tempDir();
    const dir = path.join(root, 'plugins');
    const shared = path.join(root, 'shared', 'label.js');
    await editFile(shared, "export const LABEL = 'one';\n");
    for (const id of ['a', 'b']) {
      await editFile(
        path.join(dir, `${id}.js`),
        counterPlugin(
          id,
          'v1',
          "import { LABEL } from '../shared/label.js';\nexport const label = () => LABEL;",
        ),
      );
    }
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    const mark = d.reloads.mark;
    await editFile(shared, "export const LABEL = 'two';\n");
    const a = await d.reloads.waitFor((r) => r.id === 'a' && r.trigger === 'file', { from: mark });
    const b = await d.reloads.waitFor((r) => r.id === 'b' && r.trigger === 'file', { from: mark });
    expect(a.changedFiles).toEqual([shared]);
    expect(b.changedFiles).toEqual([shared]);
  });

  it('reloads a helper module edited inside the plugin folder', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'p', 'plugin.json'), manifest('p'));
    await editFile(path.join(dir, 'p', 'version.js'), "export const V = 'v1';\n");
    await editFile(
      path.join(dir, 'p', 'index.js'),
      counterPlugin('p', 'unused', "import { V } from './version.js';").replace(
        'version: VERSION',
        'version: V',
      ),
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await editFile(path.join(dir, 'p', 'version.js'), "export const V = 'v2';\n");
    await d.reloads.waitFor((r) => r.id === 'p' && r.trigger === 'file');
    expect(await get(d, 'p')).toMatchObject({ version: 'v2' });
  });

  it('handles a save by write-then-rename (an atomic save) as one change', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'atomic.js');
    await editFile(file, counterPlugin('atomic', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await increment(d, 'atomic');
    await editFileAtomically(file, counterPlugin('atomic', 'v2'));
    await d.reloads.waitFor((r) => r.id === 'atomic' && r.trigger === 'file');
    expect(await get(d, 'atomic')).toMatchObject({ version: 'v2', count: 1 });
    expect(d.reloads.all.filter((r) => r.trigger === 'file').every((r) => r.ok)).toBe(true);
  });

  it('holds changes while hot reload is off and applies them when it is back on', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'held.js');
    await editFile(file, counterPlugin('held', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    expect(await d.client.request(DaemonSetHotReload, { enabled: false })).toEqual({
      enabled: false,
    });
    await editFile(file, counterPlugin('held', 'v2'));
    await expect.poll(async () => (await d.client.request(DaemonStatus, {})).heldChanges).toBe(1);
    expect(await get(d, 'held')).toMatchObject({ version: 'v1' });
    expect(d.reloads.all.filter((r) => r.trigger === 'file')).toEqual([]);

    await d.client.request(DaemonSetHotReload, { enabled: true });
    await d.reloads.waitFor((r) => r.id === 'held' && r.trigger === 'file');
    expect(await get(d, 'held')).toMatchObject({ version: 'v2' });
    expect((await d.client.request(DaemonStatus, {})).heldChanges).toBe(0);
  });

  it('asks for a restart instead of reloading a plugin without hot reload support', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'fixed', 'index.js'), counterPlugin('fixed', 'v1'));
    await editFile(
      path.join(dir, 'fixed', 'plugin.json'),
      manifest('fixed', { capabilities: { supportsHotReload: false } }),
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await editFile(path.join(dir, 'fixed', 'index.js'), counterPlugin('fixed', 'v2'));
    const told = await d.reloads.waitFor((r) => r.id === 'fixed' && r.trigger === 'file');
    expect(told).toMatchObject({
      ok: false,
      generation: 1,
      error: { code: 'RELOADD_RESTART_REQUIRED' },
    });
    const diagnostics = await d.diagnostics.waitFor((p) => p.pluginId === 'fixed');
    expect(diagnostics.diagnostics[0]).toMatchObject({
      code: DiagnosticCodes.RestartRequired,
      severity: 'warning',
    });
    expect(await get(d, 'fixed')).toMatchObject({ version: 'v1' });

    // Another change replaces the notice rather than piling up a second one.
    const mark = d.reloads.mark;
    await editFile(path.join(dir, 'fixed', 'index.js'), counterPlugin('fixed', 'v3'));
    await d.reloads.waitFor((r) => r.id === 'fixed' && r.trigger === 'file', { from: mark });
    const listed = await d.client.request(PluginDiagnostics, { id: 'fixed' });
    expect(listed.diagnostics.map((x) => x.code)).toEqual([DiagnosticCodes.RestartRequired]);
  });

  it('reads a manifest added to, renamed in or removed from a plugin folder, however it is told', async () => {
    const dir = await tempDir();
    const folder = path.join(dir, 'late');
    await editFile(path.join(folder, 'index.js'), counterPlugin('late', 'v1'));
    await editFile(path.join(dir, 'base.js'), counterPlugin('base', 'v1'));
    // The watcher polls once a minute: the editor's own messages tell of each change first.
    const d = await connectInMemory(dir, { expectPlugins: 2, pollMs: 60_000 });
    await increment(d, 'late');
    const listed = async () =>
      (await d.client.request(PluginList, {})).plugins.find((p) => p.id === 'late');
    expect(await listed()).toMatchObject({ version: '0.0.0', dependencies: [] });
    const uri = (name: string) => pathToFileURL(path.join(folder, name)).href;

    const steps: [string, () => Promise<void>, Record<string, unknown>][] = [
      [
        // An editor writes a new file and says it saved it: a save, not a file created.
        'plugin.json added, with didSave',
        async () => {
          await editFile(
            path.join(folder, 'plugin.json'),
            manifest('late', { version: '1.2.0', dependencies: { base: '*' } }),
          );
          await d.client.notify(DidSaveTextDocument, { textDocument: { uri: uri('plugin.json') } });
        },
        { version: '1.2.0', dependencies: ['base'] },
      ],
      [
        'plugin.json renamed to package.json, with didChangeWatchedFiles',
        async () => {
          await rename(path.join(folder, 'plugin.json'), path.join(folder, 'package.json'));
          await d.client.notify(DidChangeWatchedFiles, {
            changes: [
              { uri: uri('plugin.json'), type: 3 },
              { uri: uri('package.json'), type: 1 },
            ],
          });
        },
        // package.json's own dependencies are npm's: a plugin's are under its "reloadd" key.
        { version: '1.2.0', dependencies: [] },
      ],
      [
        'package.json removed, with didChangeWatchedFiles',
        async () => {
          await rm(path.join(folder, 'package.json'));
          await d.client.notify(DidChangeWatchedFiles, {
            changes: [{ uri: uri('package.json'), type: 3 }],
          });
        },
        { version: '0.0.0', dependencies: [] },
      ],
    ];
    for (const [what, step, expected] of steps) {
      const mark = d.reloads.mark;
      await step();
      const reload = await d.reloads.waitFor((r) => r.id === 'late', { from: mark, what });
      expect(reload, what).toMatchObject({ ok: true });
      expect(await listed(), what).toMatchObject(expected);
    }
    // Re-read, not lost: the plugin kept its state through every change of its manifest.
    expect(await get(d, 'late')).toMatchObject({ version: 'v1', count: 1 });
  });

  it('lists a plugin with a bad manifest as failed, says why, and loads it once fixed', async () => {
    const dir = await tempDir();
    const manifestFile = path.join(dir, 'broken', 'plugin.json');
    await editFile(path.join(dir, 'broken', 'index.js'), counterPlugin('broken', 'v1'));
    await editFile(
      manifestFile,
      JSON.stringify({ id: '../escape', capabilities: { supportsHotReload: 'yes' } }),
    );
    await editFile(path.join(dir, 'fine.js'), counterPlugin('fine', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins.map((p) => [p.id, p.status])).toEqual([
      ['broken', 'failed'],
      ['fine', 'active'],
    ]);
    const published = await d.diagnostics.waitFor((p) => p.pluginId === 'broken');
    expect(published.diagnostics[0]).toMatchObject({
      code: DiagnosticCodes.ManifestInvalid,
      file: manifestFile,
    });
    expect(published.diagnostics[0]?.message).toContain('id: may contain only letters');
    expect(published.diagnostics[0]?.message).toContain('capabilities.supportsHotReload');

    await editFile(manifestFile, manifest('broken'));
    await d.reloads.waitFor((r) => r.id === 'broken' && r.ok);
    expect(await get(d, 'broken')).toMatchObject({ version: 'v1' });
  });

  it("lists Red's Husk plugins (a .hk file, a folder whose entry is .hk) as not runnable, and says what they are", async () => {
    const dir = await tempDir();
    // Red's plugins since its commit 9fa163b: a single file, a folder whose manifest names a .hk
    // entry, and a folder with nothing but index.hk.
    await editFile(path.join(dir, 'cool_search.hk'), 'fn activate(red) {}\n');
    await editFile(path.join(dir, 'git', 'plugin.json'), manifest('git', { main: 'index.hk' }));
    await editFile(path.join(dir, 'git', 'index.hk'), 'fn activate(red) {}\n');
    await editFile(path.join(dir, 'fidget', 'index.hk'), 'fn activate(red) {}\n');
    await editFile(path.join(dir, 'fine.js'), counterPlugin('fine', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins.map((p) => [p.id, p.status])).toEqual([
      ['cool_search', 'failed'],
      ['fidget', 'failed'],
      ['fine', 'active'],
      ['git', 'failed'],
    ]);
    const { diagnostics } = await d.client.request(PluginDiagnostics, null);
    const husk = diagnostics.filter((x) => x.pluginId !== 'fine');
    expect(husk.map((x) => [x.pluginId, x.code, x.file])).toEqual([
      ['cool_search', DiagnosticCodes.HuskPlugin, path.join(dir, 'cool_search.hk')],
      ['fidget', DiagnosticCodes.HuskPlugin, path.join(dir, 'fidget', 'index.hk')],
      ['git', DiagnosticCodes.HuskPlugin, path.join(dir, 'git', 'index.hk')],
    ]);
    for (const { message } of husk) {
      expect(message).toContain(
        "Red's own plugin language since 9fa163b (Husk), which reloadd does not run",
      );
      expect(message).not.toContain('loader');
    }
    // Named in the log too, not only in the list.
    expect(
      d.logs
        .snapshot()
        .map((e) => e.message)
        .join('\n'),
    ).toContain('cool_search.hk');
    // One that appears while the daemon runs is named the same way.
    await editFile(path.join(dir, 'replay.hk'), 'fn activate(red) {}\n');
    const late = await d.diagnostics.waitFor((p) => p.pluginId === 'replay');
    expect(late.diagnostics.map((x) => x.code)).toEqual([DiagnosticCodes.HuskPlugin]);
  });
});
