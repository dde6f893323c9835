import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectWebSocket } from '../../../src/clients/index.js';
import { PluginExecuteCommand } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectClient, daemonInfo, runCli, startStandalone } from '../../helpers/network.js';
import { FIXTURES } from '../../helpers/paths.js';

const PLUGIN = `export function activate(red) {
  red.addCommand('ask.buffers', async () => (await red.getEditorInfo()).buffers.map((b) => b.name));
  red.addCommand('ask.themes', () => red.listThemes());
}`;

/** `reloadd serve --editor FILE`: a daemon no editor has joined still answers its plugins' calls. */
describe('serve --editor', () => {
  it("answers the dashboard's commands from the stand-in, until an editor connects and after it goes", async () => {
    const workspace = await tempDir();
    const plugins = await tempDir();
    await editFile(path.join(plugins, 'ask.js'), PLUGIN);
    const daemon = await startStandalone(workspace, plugins, [
      '--editor',
      path.join(FIXTURES, 'redEditor.mjs'),
    ]);
    await expect.poll(() => daemon.output()).toContain('ready: 1 of 1');
    expect(daemon.output()).toContain("plugins' editor calls are answered from");
    const dashboard = await connectClient(workspace, 'dashboard');
    const run = (command: string) => dashboard.request(PluginExecuteCommand, { command, args: [] });
    expect(await run('ask.buffers')).toEqual(['test.js']);
    // What it pushed at start: red.listThemes() answers from it, at once.
    expect(await run('ask.themes')).toEqual(['test-theme', 'dark', 'light']);

    const editor = await connectWebSocket(await daemonInfo(workspace));
    editor.onEditorCall(() => ({ buffers: [{ name: 'notes.md' }] }));
    await editor.initialize('vim', { editor: { calls: ['getEditorInfo'] } });
    expect(await run('ask.buffers')).toEqual(['notes.md']);
    editor.dispose();
    await expect.poll(() => run('ask.buffers')).toEqual(['test.js']);
    dashboard.dispose();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('refuses a file that is not a stand-in, with exit code 2 and what is wrong', async () => {
    const workspace = await tempDir();
    const plugins = await tempDir();
    await editFile(path.join(workspace, 'editor.json'), '{ "answers": {} }');
    const run = await runCli(['serve', '--plugins', plugins, '--editor', 'editor.json'], {
      cwd: workspace,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `--editor: ${path.join(workspace, 'editor.json')}: unknown part "answers"`,
    );
  });
});
