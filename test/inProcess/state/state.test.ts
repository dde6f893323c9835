import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResponseError } from 'vscode-jsonrpc';
import {
  DiagnosticCodes,
  ErrorCodes,
  PluginDisable,
  PluginEnable,
  PluginExecuteCommand,
  PluginGetState,
  PluginList,
  PluginReload,
  Shutdown,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;
const run = (d: Daemon, command: string) => d.client.request(PluginExecuteCommand, { command });

describe('state across restarts', () => {
  it('persists snapshots in --state-dir and gives them back at the next start', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await editFile(path.join(dir, 'keep.js'), counterPlugin('keep', 'v1'));
    const first = await connectInMemory(dir, { stateDir, expectPlugins: 1 });
    await run(first, 'keep.increment');
    await run(first, 'keep.increment');
    await first.client.request(Shutdown, null);
    expect(await readdir(stateDir)).toEqual(['keep.snapshot']);

    const second = await connectInMemory(dir, { stateDir, expectPlugins: 1 });
    // Generations count on from the snapshot's: this is the second generation this state has seen.
    expect(await run(second, 'keep.get')).toMatchObject({ count: 2, generation: 2 });
  });

  it('moves an unreadable snapshot aside, says so, and starts the plugin without it', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await editFile(path.join(dir, 'keep.js'), counterPlugin('keep', 'v1'));
    await writeFile(path.join(stateDir, 'keep.snapshot'), 'this is not a snapshot');
    const d = await connectInMemory(dir, { stateDir, expectPlugins: 1 });
    expect(await run(d, 'keep.get')).toMatchObject({ count: 0 });
    // Moved aside with its bytes intact, never deleted (a fresh snapshot may be written beside it).
    const aside = (await readdir(stateDir)).filter((f) => /^keep\.snapshot\.corrupt-\d+$/.test(f));
    expect(aside).toHaveLength(1);
    expect(await readFile(path.join(stateDir, aside[0] as string), 'utf8')).toBe(
      'this is not a snapshot',
    );
    // The load replaced the plugin's diagnostics; the corruption warning was published first.
    const warning = d.diagnostics.all
      .flatMap((p) => p.diagnostics)
      .find((x) => x.code === DiagnosticCodes.SnapshotCorrupt);
    expect(warning?.message).toContain('could not be read');
  });
});

describe('state semantics', () => {
  it('reports state that cannot cross a reload, by path, and hands over the rest', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'odd.js'),
      `class Panel { constructor() { this.scroll = 3; } }
let state = { n: 1, onClick: () => {}, panel: new Panel(), when: new Date(5) };
export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('odd.get', () => ({ keys: Object.keys(state), scroll: state.panel.scroll, dated: state.when instanceof Date })));
}
export function saveState() { return state; }
export function restoreState(s) { state = s; }
`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const [result] = (await d.client.request(PluginReload, { id: 'odd' })).results;
    expect(result).toMatchObject({ ok: true, generation: 2 });
    const published = await d.diagnostics.waitFor(
      (p) => p.pluginId === 'odd' && p.diagnostics.length > 0,
    );
    expect(published.diagnostics.map((x) => [x.code, x.message])).toEqual([
      [DiagnosticCodes.StateNotCloneable, 'state.onClick is a function'],
      [
        DiagnosticCodes.StateNotCloneable,
        'state.panel is an instance of class Panel; it is saved as a plain object without its methods',
      ],
    ]);
    expect(await run(d, 'odd.get')).toEqual({
      keys: ['n', 'panel', 'when'],
      scroll: 3,
      dated: true,
    });
  });

  it("supports the Red editor's hot-reload hooks: onBeforeReload, onAfterReload, savePluginState, getPluginState", async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'seedish.js'),
      `let state = { counter: 0, afterReload: null };
export async function activate(red) {
  const previous = red.getPluginState('seedish');
  if (previous) state = previous;
  red.subscriptions.push(red.commands.register('seedish.inc', () => ++state.counter), red.commands.register('seedish.get', () => state));
}
export async function onBeforeReload(red) { red.savePluginState('seedish', state); return state; }
export async function onAfterReload(red, previousState) { state.afterReload = previousState.counter; }
`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await run(d, 'seedish.inc');
    await run(d, 'seedish.inc');
    await d.client.request(PluginReload, { id: 'seedish' });
    expect(await run(d, 'seedish.get')).toEqual({ counter: 2, afterReload: 2 });
  });

  it('shows the live state in plugin/getState, as JSON', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'live.js'), counterPlugin('live', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    expect(await d.client.request(PluginGetState, { id: 'live' })).toMatchObject({
      id: 'live',
      generation: 1,
      state: { count: 0 },
    });
    await run(d, 'live.increment');
    const fresh = await d.client.request(PluginGetState, { id: 'live' });
    expect(fresh).toMatchObject({ state: { count: 1 } });
    expect(Date.parse(fresh.savedAt ?? '')).not.toBeNaN();
    expect(fresh.types).toBeUndefined(); // plain JSON: nothing to say
  });

  it("names what JSON flattened in plugin/getState's types, by JSON Pointer", async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'typed.js'),
      `export function activate() {}
export function saveState() {
  return {
    opened: new Date(0),
    tags: new Set(['a']),
    'by/id': new Map([['k', { bytes: new Uint8Array([1, 2]) }]]),
    big: 10n,
    plain: [1, { x: 'y' }],
  };
}
`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const { state, types } = await d.client.request(PluginGetState, { id: 'typed' });
    expect(state).toEqual({
      opened: '1970-01-01T00:00:00.000Z',
      tags: ['a'],
      'by/id': { k: { bytes: [1, 2] } },
      big: '10',
      plain: [1, { x: 'y' }],
    });
    expect(types).toEqual({
      '/opened': 'Date',
      '/tags': 'Set',
      '/by~1id': 'Map',
      '/by~1id/k/bytes': 'Uint8Array',
      '/big': 'bigint',
    });
  });

  it('keeps state across disable and enable, and refuses to disable what says it cannot be', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'toggle.js'), counterPlugin('toggle', 'v1'));
    await editFile(path.join(dir, 'stuck', 'index.js'), counterPlugin('stuck', 'v1'));
    await editFile(
      path.join(dir, 'stuck', 'plugin.json'),
      manifest('stuck', { capabilities: { supportsDisable: false } }),
    );
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    await run(d, 'toggle.increment');
    expect(await d.client.request(PluginDisable, { id: 'toggle' })).toEqual({
      id: 'toggle',
      status: 'disabled',
    });
    const gone = await run(d, 'toggle.get').catch((e: ResponseError<unknown>) => e.code);
    expect(gone).toBe(ErrorCodes.UnknownCommand);
    const { result } = await d.client.request(PluginEnable, { id: 'toggle' });
    expect(result).toMatchObject({ ok: true, generation: 2 });
    expect(await run(d, 'toggle.get')).toMatchObject({ count: 1 });

    // Disabling said so to every client.
    await d.statuses.waitFor((s) => s.id === 'toggle' && s.status === 'disabled');

    const refused = await d.client
      .request(PluginDisable, { id: 'stuck' })
      .catch((e: ResponseError<unknown>) => e);
    expect(refused).toMatchObject({
      code: ErrorCodes.NotSupported,
      data: { code: 'RELOADD_DISABLE_NOT_SUPPORTED' },
    });
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins.find((p) => p.id === 'stuck')?.status).toBe('active');
  });

  it('drops state whose stateVersion changed unless the plugin exports migrateState', async () => {
    const dir = await tempDir();
    const folder = path.join(dir, 'versioned');
    await editFile(path.join(folder, 'index.js'), counterPlugin('versioned', 'v1'));
    await editFile(path.join(folder, 'plugin.json'), manifest('versioned', { stateVersion: 1 }));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await run(d, 'versioned.increment');

    let mark = d.reloads.mark;
    await editFile(path.join(folder, 'plugin.json'), manifest('versioned', { stateVersion: 2 }));
    await d.reloads.waitFor((r) => r.id === 'versioned' && r.trigger === 'file', { from: mark });
    expect(await run(d, 'versioned.get')).toMatchObject({ count: 0 });
    const warned = d.diagnostics.all
      .flatMap((p) => p.diagnostics)
      .find((x) => x.code === DiagnosticCodes.StateVersionChanged);
    expect(warned?.message).toContain('stateVersion changed from 1 to 2');

    await run(d, 'versioned.increment');
    mark = d.reloads.mark;
    await editFile(
      path.join(folder, 'index.js'),
      counterPlugin(
        'versioned',
        'v2',
        'export function migrateState(old, from) { return { count: old.count * 10 + from }; }',
      ),
    );
    await editFile(path.join(folder, 'plugin.json'), manifest('versioned', { stateVersion: 3 }));
    await expect
      .poll(async () => run(d, 'versioned.get'))
      .toMatchObject({ version: 'v2', count: 12 });
  });
});
