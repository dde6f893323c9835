import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PluginDiagnostics, PluginExecuteCommand } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

/**
 * A worker host's --host-memory caps its JS heap only: Buffers live outside it. The host cannot
 * stop a plugin that fills them, so the daemon says so, on the plugin whose code ran.
 */
describe('memory outside the JS heap of a worker host', () => {
  it('is reported on the plugin that ran, once, while its neighbour carries on', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'hoarder.js'),
      `let kept = [];
export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('hoarder.fill', (mb) => {
    kept.push(Buffer.alloc(mb * 1024 * 1024, 1));
    return kept.length;
  }));
}
`,
    );
    await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 2, hostMemoryMb: 32 });
    const run = (command: string, args: unknown[] = []) =>
      d.client.request(PluginExecuteCommand, { command, args });
    await run('hoarder.fill', [48]);
    await expect
      .poll(
        async () => (await d.client.request(PluginDiagnostics, { id: 'hoarder' })).diagnostics,
        { interval: 100 },
      )
      .toEqual([
        expect.objectContaining({
          code: 'RELOADD_OFF_HEAP_MEMORY',
          severity: 'warning',
          message: expect.stringMatching(/holds \d+ MB outside its JS heap .* over its 32 MB cap/),
        }),
      ]);
    expect(await run('neighbour.increment')).toBe(1);
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'neighbour' });
    expect(diagnostics).toEqual([]);
  });
});
