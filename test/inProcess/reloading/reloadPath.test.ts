import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PluginExecuteCommand } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

/**
 * What a save goes through on its way to clients: a plugin of one file is built without the
 * bundler until it imports something, and every reload says where its time went, from the first
 * file event to the moment the notice left.
 */
describe('the reload path', () => {
  it('builds a one-file plugin alone, and bundles it again once it imports a file', async () => {
    const dir = await tempDir();
    const entry = path.join(dir, 'solo.js');
    await editFile(entry, counterPlugin('solo', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const get = () => d.client.request(PluginExecuteCommand, { command: 'solo.get' });

    // The first reload after the first load: the file alone, without the bundler.
    let mark = d.reloads.mark;
    await editFile(entry, counterPlugin('solo', 'v2'));
    await d.reloads.waitFor((r) => r.id === 'solo' && r.trigger === 'file' && r.ok, { from: mark });
    expect(await get()).toMatchObject({ version: 'v2' });

    // It imports a file now: that file's content must be in the new generation.
    await editFile(path.join(dir, 'lib', 'word.js'), "export const WORD = 'from-lib';\n");
    mark = d.reloads.mark;
    await editFile(
      entry,
      counterPlugin('solo', 'v3').replace(
        'const VERSION = "v3";',
        "import { WORD } from './lib/word.js';\nconst VERSION = WORD;",
      ),
    );
    const imported = await d.reloads.waitFor((r) => r.id === 'solo' && r.trigger === 'file', {
      from: mark,
    });
    expect(imported).toMatchObject({ ok: true });
    expect(await get()).toMatchObject({ version: 'from-lib' });

    // And a change of the imported file reloads it: the bundle's inputs were found again.
    mark = d.reloads.mark;
    await editFile(path.join(dir, 'lib', 'word.js'), "export const WORD = 'lib-again';\n");
    await d.reloads.waitFor((r) => r.id === 'solo' && r.trigger === 'file' && r.ok, { from: mark });
    expect(await get()).toMatchObject({ version: 'lib-again' });
  });

  it('names every phase of a reload, and when its first file event came and its notice left', async () => {
    const dir = await tempDir();
    const entry = path.join(dir, 'timed.js');
    await editFile(entry, counterPlugin('timed', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const mark = d.reloads.mark;
    const before = Date.now();
    await editFile(entry, counterPlugin('timed', 'v2'));
    const reload = await d.reloads.waitFor((r) => r.trigger === 'file' && r.ok, { from: mark });
    const after = Date.now();
    for (const phase of ['detect', 'check', 'build', 'evaluate', 'hostTrips', 'commit'] as const)
      expect(reload.phases?.[phase], phase).toBeGreaterThanOrEqual(0);
    const { detected, sent } = reload.timestamps ?? {};
    // From the daemon's clock, which is this machine's: within the save, in order.
    expect(detected).toBeGreaterThanOrEqual(before - 1);
    expect(sent).toBeGreaterThanOrEqual(detected as number);
    expect(sent).toBeLessThanOrEqual(after + 1);
    // The phases lie between the first event and the notice, none counted twice.
    const {
      detect = 0,
      check = 0,
      build,
      settle = 0,
      evaluate,
      hostTrips = 0,
      commit = 0,
    } = reload.phases ?? ({} as never);
    const swap =
      (reload.phases?.saveState ?? 0) +
      (reload.phases?.deactivate ?? 0) +
      (reload.phases?.activate ?? 0) +
      (reload.phases?.restoreState ?? 0);
    const named = detect + check + build + settle + evaluate + hostTrips + swap + commit;
    expect(named).toBeLessThanOrEqual((sent as number) - (detected as number) + 0.1);
  });
});
