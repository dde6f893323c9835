import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PluginExecuteCommand } from '../../../src/protocol/index.js';
import { startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';

/**
 * The Red editor's session_restore, as its plugins do it: `beforeExit(red, state)` keeps the
 * editor's clean buffers in `red.storage` as the session ends, and `activate` gives them back at
 * the next one. Here the session ends as a terminal ends the daemon (SIGTERM), and the next one
 * is a new daemon process on the same --state-dir.
 */
const SESSION_RESTORE = `
const STORAGE_KEY = 'latest';
let snapshot = null;
export async function activate(red) {
  snapshot = await red.storage.get(STORAGE_KEY);
  red.addCommand('SessionRestore', () => snapshot && snapshot.buffers.map((b) => b.path));
}
export async function beforeExit(red, state) {
  if (!state) return;
  await red.storage.set(STORAGE_KEY, { ...state, buffers: state.buffers.filter((b) => b.path && !b.dirty) });
}
`;

describe('session_restore across daemon restarts', () => {
  it('keeps what beforeExit stored when the daemon is stopped by SIGTERM, for the next start', async () => {
    const plugins = await tempDir();
    const stateDir = path.join(await tempDir(), 'state');
    await editFile(path.join(plugins, 'session_restore.js'), SESSION_RESTORE);
    const editorState = {
      version: 1,
      cwd: plugins,
      savedAt: 1_790_000_000,
      buffers: [
        { index: 0, path: 'src/editor.rs', dirty: false, cursor: { x: 0, y: 3 }, viewportTop: 0 },
        { index: 1, path: 'scratch.txt', dirty: true, cursor: { x: 0, y: 0 }, viewportTop: 0 },
        { index: 2, path: 'README.md', dirty: false, cursor: { x: 2, y: 0 }, viewportTop: 0 },
      ],
      currentBufferIndex: 2,
      windowLayout: null,
    };
    const first = await startDaemon(plugins, {
      args: ['--state-dir', stateDir],
      expectPlugins: 1,
      editor: { calls: ['getEditorState'], onCall: () => editorState },
    });
    expect(
      await first.client.request(PluginExecuteCommand, { command: 'SessionRestore' }),
    ).toBeNull();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    first.client.dispose();

    const second = await startDaemon(plugins, {
      args: ['--state-dir', stateDir],
      expectPlugins: 1,
    });
    expect(
      await second.client.request(PluginExecuteCommand, { command: 'SessionRestore' }),
    ).toEqual(['src/editor.rs', 'README.md']);
    expect(await second.stop()).toBe(0);
  });
});
