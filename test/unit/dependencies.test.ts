import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticCodes, PluginList } from '../../src/protocol/index.js';
import { editFile, tempDir } from '../helpers/files.js';
import { connectInMemory } from '../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../helpers/pluginSource.js';

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
    const cycle = d.diagnostics.all
      .flatMap((p) => p.diagnostics)
      .find((x) => x.code === DiagnosticCodes.DependencyCycle);
    expect(cycle?.message).toContain('ping → pong → ping');
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins.map((p) => [p.id, p.status])).toEqual([
      ['ping', 'active'],
      ['pong', 'active'],
    ]);
  });
});
