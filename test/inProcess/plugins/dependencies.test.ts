import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticCodes,
  PluginDiagnostics,
  PluginDisable,
  PluginEnable,
  PluginList,
  PluginReload,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

async function plugin(
  dir: string,
  id: string,
  fields: Record<string, unknown> = {},
  version = 'v1',
) {
  await editFile(path.join(dir, id, 'index.js'), counterPlugin(id, version));
  await editFile(path.join(dir, id, 'plugin.json'), manifest(id, fields));
}

describe('plugin dependencies', () => {
  it('loads dependencies first and reloads dependents after the plugin they depend on', async () => {
    const dir = await tempDir();
    await plugin(dir, 'base');
    await plugin(dir, 'middle', { dependencies: { base: '^1.0.0' } });
    await plugin(dir, 'top', { dependencies: ['middle'] });
    await plugin(dir, 'alone');
    const d = await connectInMemory(dir, { expectPlugins: 4 });
    const startup = d.reloads.all.map((r) => r.id);
    expect(startup.indexOf('base')).toBeLessThan(startup.indexOf('middle'));
    expect(startup.indexOf('middle')).toBeLessThan(startup.indexOf('top'));

    const mark = d.reloads.mark;
    await editFile(path.join(dir, 'base', 'index.js'), counterPlugin('base', 'v2'));
    await d.reloads.waitFor((r) => r.id === 'top', { from: mark });
    expect(d.reloads.all.slice(mark).map((r) => [r.id, r.trigger, r.ok])).toEqual([
      ['base', 'file', true],
      ['middle', 'dependency', true],
      ['top', 'dependency', true],
    ]);
    // Each says what set it off: the files, the dependency, the client that asked.
    expect(d.reloads.all.slice(mark).map((r) => r.changedFiles ?? r.causedBy)).toEqual([
      [path.join(dir, 'base', 'index.js')],
      ['base'],
      ['middle'],
    ]);
    const asked = d.reloads.mark;
    await d.client.request(PluginReload, { id: 'middle' });
    const requested = await d.reloads.waitFor((r) => r.id === 'middle', { from: asked });
    expect(requested).toMatchObject({
      trigger: 'request',
      requestedBy: { clientId: expect.any(Number), name: 'in-memory-test' },
    });
    const following = await d.reloads.waitFor((r) => r.id === 'top', { from: asked });
    expect(following).toMatchObject({ trigger: 'dependency', causedBy: ['middle'] });
    // Switching a plugin back on is a request too, and says who asked.
    await d.client.request(PluginDisable, { id: 'top' });
    const enabling = d.reloads.mark;
    await d.client.request(PluginEnable, { id: 'top' });
    expect(await d.reloads.waitFor((r) => r.id === 'top', { from: enabling })).toMatchObject({
      trigger: 'request',
      requestedBy: { clientId: expect.any(Number), name: 'in-memory-test' },
    });
  });

  it('fails a plugin whose dependency is missing or of the wrong version, and says which', async () => {
    const dir = await tempDir();
    await plugin(dir, 'base');
    await plugin(dir, 'wants-missing', { dependencies: ['nowhere'] });
    await plugin(dir, 'wants-v2', { dependencies: { base: '^2.0.0' } });
    const d = await connectInMemory(dir, { expectPlugins: 3 });
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins.map((p) => [p.id, p.status])).toEqual([
      ['base', 'active'],
      ['wants-missing', 'failed'],
      ['wants-v2', 'failed'],
    ]);
    const messages = d.diagnostics.all
      .flatMap((p) => p.diagnostics)
      .filter((x) => x.code === DiagnosticCodes.DependencyMissing);
    expect(messages.map((m) => m.message).sort()).toEqual([
      'requires "base" ^2.0.0, but version 1.0.0 is installed',
      'requires plugin "nowhere", which is not installed',
    ]);
  });

  it('warns about a dependency cycle and still loads its plugins', async () => {
    const dir = await tempDir();
    await plugin(dir, 'ping', { dependencies: ['pong'] });
    await plugin(dir, 'pong', { dependencies: ['ping'] });
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    // The warning outlives the plugins' loads: it is still in the list afterwards.
    const listed = await d.client.request(PluginDiagnostics, { id: 'ping' });
    const cycle = listed.diagnostics.find((x) => x.code === DiagnosticCodes.DependencyCycle);
    expect(cycle?.message).toContain('ping → pong → ping');
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins.map((p) => [p.id, p.status])).toEqual([
      ['ping', 'active'],
      ['pong', 'active'],
    ]);
  });

  it('does not reload dependents when their dependency fails to reload', async () => {
    const dir = await tempDir();
    await plugin(dir, 'base');
    await plugin(dir, 'user', { dependencies: ['base'] });
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    const mark = d.reloads.mark;
    await editFile(path.join(dir, 'base', 'index.js'), 'export function activate( {');
    await d.reloads.waitFor((r) => r.id === 'base' && r.trigger === 'file', { from: mark });
    const { results } = await d.client.request(PluginReload, { id: 'base' });
    expect(results.map((r) => [r.id, r.ok, r.error?.code])).toEqual([
      ['base', false, DiagnosticCodes.BuildFailed],
      ['user', false, 'RELOADD_DEPENDENCY_FAILED'],
    ]);
    expect(d.reloads.all.slice(mark).filter((r) => r.id === 'user')).toEqual([]);
    // Two failed reloads of base (the save, the request); user's was skipped, not run.
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins.map((p) => [p.id, p.reloads])).toEqual([
      ['base', { count: 2, failed: 2, successRate: 0 }],
      ['user', { count: 0, failed: 0, successRate: null }],
    ]);
  });

  it('loads a failed plugin again on plugin/enable, and the plugins that waited for it', async () => {
    const dir = await tempDir();
    // Fails to activate until a file exists (plugins run in a worker: the file system is shared).
    const gate = path.join(dir, '_ready');
    await editFile(
      path.join(dir, 'base', 'index.js'),
      `import { existsSync } from 'node:fs';
export function activate(ctx) {
  if (!existsSync(${JSON.stringify(gate)})) throw new Error('not yet');
}
`,
    );
    await editFile(path.join(dir, 'base', 'plugin.json'), manifest('base'));
    await plugin(dir, 'user', { dependencies: ['base'] });
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    expect((await d.client.request(PluginList, {})).plugins.map((p) => p.status)).toEqual([
      'failed',
      'failed',
    ]);

    await editFile(gate, '');
    const { result } = await d.client.request(PluginEnable, { id: 'base' });
    expect(result).toMatchObject({ id: 'base', ok: true, generation: 1 });
    await d.reloads.waitFor((r) => r.id === 'user' && r.ok);
    expect((await d.client.request(PluginList, {})).plugins.map((p) => p.status)).toEqual([
      'active',
      'active',
    ]);
  });
});
