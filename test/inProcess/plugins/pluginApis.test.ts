import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResponseError } from 'vscode-jsonrpc';
import { PluginExecuteCommand, PluginReload } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { manifest } from '../../helpers/pluginSource.js';

/** The bottom of the chain keeps a count; FACTOR is what a reload of its code changes. */
const bottom = (factor: number) => `
let state = { n: 1 };
export function activate() {
  return { value: () => state.n * ${factor}, add: (k) => (state.n += k) };
}
export function saveState() { return state; }
export function restoreState(s) { state = s; }
`;
/** Calls the bottom one; LABEL tells its generations apart. */
const middle = (label: string) => `
export function activate(ctx) {
  const bottom = ctx.plugins.get('bottom');
  return { sum: async (k) => ({ label: '${label}', total: 10 + (await bottom.value()) + k }) };
}
`;
const top = `
let state = { bottomUnloads: 0 };
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('top.total', () => ctx.plugins.get('middle').sum(100)),
    ctx.commands.register('top.add', () => ctx.plugins.get('bottom')),
    ctx.commands.register('top.unloads', () => state.bottomUnloads),
    ctx.plugins.onDidUnload('bottom', () => { state.bottomUnloads += 1; }),
  );
}
export function saveState() { return state; }
export function restoreState(s) { state = s; }
`;

async function chain(dir: string) {
  await editFile(path.join(dir, 'bottom', 'plugin.json'), manifest('bottom'));
  await editFile(path.join(dir, 'bottom', 'index.js'), bottom(1));
  await editFile(
    path.join(dir, 'middle', 'plugin.json'),
    manifest('middle', { dependencies: ['bottom'] }),
  );
  await editFile(path.join(dir, 'middle', 'index.js'), middle('m1'));
  await editFile(
    path.join(dir, 'top', 'plugin.json'),
    manifest('top', { dependencies: ['middle'] }),
  );
  await editFile(path.join(dir, 'top', 'index.js'), top);
}

describe('plugins that use each other', () => {
  it('call through a chain of APIs, and never reach a stale generation across reloads', async () => {
    const dir = await tempDir();
    await chain(dir);
    const d = await connectInMemory(dir, { expectPlugins: 3 });
    const run = (command: string) => d.client.request(PluginExecuteCommand, { command });
    expect(await run('top.total')).toEqual({ label: 'm1', total: 111 });

    // The bottom plugin's code changes: its dependents reload after it, and see the new code.
    const mark = d.reloads.mark;
    await editFile(path.join(dir, 'bottom', 'index.js'), bottom(5));
    await d.reloads.waitFor((r) => r.id === 'top', { from: mark });
    expect(await run('top.total')).toEqual({ label: 'm1', total: 115 });
    // onDidUnload told the top plugin, whose count survived its own reload.
    expect(await run('top.unloads')).toBe(1);

    await editFile(path.join(dir, 'middle', 'index.js'), middle('m2'));
    await d.reloads.waitFor((r) => r.id === 'top' && r.generation === 3);
    expect(await run('top.total')).toEqual({ label: 'm2', total: 115 });

    await d.client.request(PluginReload, { id: 'top' });
    expect(await run('top.total')).toEqual({ label: 'm2', total: 115 });
    expect(await run('top.unloads')).toBe(1);
  });

  it('refuses a plugin it does not depend on, and says what to add', async () => {
    const dir = await tempDir();
    await chain(dir);
    const d = await connectInMemory(dir, { expectPlugins: 3 });
    const error = await d.client
      .request(PluginExecuteCommand, { command: 'top.add', args: [1] })
      .catch((e: ResponseError<unknown>) => e);
    expect((error as Error).message).toContain(
      'plugin "top" does not depend on "bottom": add "bottom" to "dependencies" in its manifest',
    );
  });

  it('says when a dependency has no such API method', async () => {
    const dir = await tempDir();
    await chain(dir);
    await editFile(
      path.join(dir, 'middle', 'index.js'),
      `export function activate(ctx) { return { sum: () => ctx.plugins.get('bottom').nothing() }; }`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 3 });
    const error = await d.client
      .request(PluginExecuteCommand, { command: 'top.total' })
      .catch((e: ResponseError<unknown>) => e);
    expect((error as Error).message).toMatch(
      /API method "nothing" of plugin "bottom" .*has no API method "nothing"/,
    );
  });
});
