import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, tempDir } from '../../helpers/files.js';
import { runCli, startStandalone } from '../../helpers/network.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

/** `reloadd state ID --history / --generation / --restore`, the built CLI against a daemon. */
describe('reloadd state, with its history', () => {
  it('lists the snapshots, shows one, and restores it with a reload', async () => {
    const workspace = await tempDir();
    const plugins = await tempDir();
    await editFile(path.join(plugins, 'h.js'), counterPlugin('h', 'v1'));
    await startStandalone(workspace, plugins);
    const cli = (...args: string[]) => runCli(args, { cwd: workspace });
    await cli('reload', 'h'); // generation 2
    const list = await cli('state', 'h', '--history');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/h: \d+ snapshots? kept, newest first/);
    expect(list.stdout).toMatch(/generation {3}1 .*reload/);
    const json = JSON.parse((await cli('state', 'h', '--history', '--json')).stdout);
    expect(json.history[0]).toMatchObject({ generation: 2, takenBy: 'request' });
    const one = JSON.parse((await cli('state', 'h', '--generation', '1', '--json')).stdout);
    expect(one).toMatchObject({ id: 'h', generation: 1, state: { count: 0 } });
    const restored = await cli('state', 'h', '--restore', '1');
    expect([restored.code, restored.stdout]).toEqual([0, expect.stringContaining('generation 3')]);
    const missing = await cli('state', 'h', '--restore', '9', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'RELOADD_UNKNOWN_SNAPSHOT' });
    expect((await cli('state', 'h', '--restore', 'x')).code).toBe(2);
  });
});
