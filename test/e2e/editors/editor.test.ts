import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectWebSocket } from '../../../src/clients/index.js';
import {
  type EditorCallParams,
  EditorEvent,
  EditorState,
  PluginExecuteCommand,
  PluginList,
} from '../../../src/protocol/index.js';
import { startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { daemonInfo } from '../../helpers/network.js';

/** A plugin command that reads the editor, asks the user to pick a buffer, then opens it. */
const SWITCHER = `
export function activate(red) {
  red.addCommand('switcher.open', async () => {
    const info = await red.getEditorInfo();
    const chosen = await red.pick('Switch to', info.buffers.map((b) => b.name));
    await red.openBuffer(chosen);
    return chosen;
  });
}
`;

async function pluginsWithSwitcher(): Promise<string> {
  const dir = await tempDir();
  await editFile(path.join(dir, 'switcher.js'), SWITCHER);
  return dir;
}

describe('the editor bridge, with the editor on stdio', () => {
  it('lets a plugin command call the editor and use its answers', async () => {
    const calls: EditorCallParams[] = [];
    const daemon = await startDaemon(await pluginsWithSwitcher(), {
      expectPlugins: 1,
      editor: {
        calls: ['getEditorInfo', 'pick', 'openBuffer'],
        onCall: (params) => {
          calls.push(params);
          if (params.method === 'getEditorInfo')
            return {
              buffers: [{ name: 'main.rs' }, { name: 'notes.md' }],
              current_buffer_index: 0,
              size: { rows: 40, cols: 120 },
              theme: { name: 'dark' },
            };
          if (params.method === 'pick') return (params.args[1] as string[])[1];
          return null;
        },
      },
    });
    const result = await daemon.client.request(PluginExecuteCommand, { command: 'switcher.open' });
    expect(result).toBe('notes.md');
    expect(calls).toEqual([
      { pluginId: 'switcher', method: 'getEditorInfo', args: [] },
      { pluginId: 'switcher', method: 'pick', args: ['Switch to', ['main.rs', 'notes.md']] },
      { pluginId: 'switcher', method: 'openBuffer', args: ['notes.md'] },
    ]);
    expect(await daemon.stop()).toBe(0);
  });

  it('lets a plugin read the editor in activate: under --stdio it loads after the editor is there', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'greeter.js'),
      `let info;
      export async function activate(red) {
        info = await red.getEditorInfo();
        red.addCommand('greeter.info', () => info);
      }`,
    );
    const daemon = await startDaemon(dir, {
      expectPlugins: 1,
      editor: { calls: ['getEditorInfo'], onCall: () => ({ buffers: [], theme: { name: 'x' } }) },
    });
    expect(daemon.reloads.all[0]).toMatchObject({ id: 'greeter', ok: true, trigger: 'startup' });
    expect(await daemon.client.request(PluginExecuteCommand, { command: 'greeter.info' })).toEqual({
      buffers: [],
      theme: { name: 'x' },
    });
    expect(await daemon.stop()).toBe(0);
  });

  it('fails the command with a clear error when no editor is connected', async () => {
    const daemon = await startDaemon(await pluginsWithSwitcher(), {
      expectPlugins: 1,
      args: ['--editor-timeout', '300'],
    });
    const error = await daemon.client
      .request(PluginExecuteCommand, { command: 'switcher.open' })
      .catch((e: unknown) => e as { message: string; data?: { code: string } });
    expect(error).toMatchObject({ data: { code: 'RELOADD_COMMAND_FAILED' } });
    expect((error as { message: string }).message).toContain(
      'no editor is connected: "getEditorInfo" waited 300 ms for one',
    );
    expect(await daemon.stop()).toBe(0);
  });

  it('fails a call the editor did not declare at once, naming what it offers', async () => {
    const daemon = await startDaemon(await pluginsWithSwitcher(), {
      expectPlugins: 1,
      editor: { calls: ['getEditorInfo'], onCall: () => ({ buffers: [{ name: 'a' }] }) },
    });
    const error = await daemon.client
      .request(PluginExecuteCommand, { command: 'switcher.open' })
      .catch((e: unknown) => e as { message: string });
    expect((error as { message: string }).message).toContain(
      'the editor (reloadd-tests) does not implement "pick"; it offers: getEditorInfo',
    );
    expect(await daemon.stop()).toBe(0);
  });

  it("answers Red's synchronous members from what the editor pushed, each key replacing the last", async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'themes.js'),
      `export function activate(red) {
        red.addCommand('themes.list', () => red.listThemes());
      }`,
    );
    const daemon = await startDaemon(dir, {
      expectPlugins: 1,
      editor: { calls: ['getEditorInfo'], onCall: () => null },
    });
    const list = () => daemon.client.request(PluginExecuteCommand, { command: 'themes.list' });
    // Nothing pushed yet: the declared default.
    expect(await list()).toEqual([]);
    await daemon.client.notify(EditorState, { state: { listThemes: ['dark', 'light'] } });
    await expect.poll(list).toEqual(['dark', 'light']);
    await daemon.client.notify(EditorState, { state: { listThemes: ['solarized'] } });
    await expect.poll(list).toEqual(['solarized']);
    expect(await daemon.stop()).toBe(0);
  });

  it('asks the editor the user was in last, and cancels a call it gave up on', async () => {
    const workspace = await tempDir();
    const plugins = await pluginsWithSwitcher();
    let cancelled = 0;
    const stdioCalls: string[] = [];
    const daemon = await startDaemon(plugins, {
      expectPlugins: 1,
      workspace,
      args: ['--editor-timeout', '400'],
      editor: {
        calls: ['getEditorInfo', 'pick', 'openBuffer'],
        onCall: (params, token) => {
          stdioCalls.push(params.method);
          if (params.method !== 'getEditorInfo') return 'x';
          // Never answers: the daemon gives up and says so.
          return new Promise((resolve) =>
            token.onCancellationRequested(() => {
              cancelled += 1;
              resolve(null);
            }),
          );
        },
      },
    });
    const info = await daemonInfo(workspace);
    const other = await connectWebSocket({ url: info.url, token: info.token });
    const otherCalls: string[] = [];
    other.onEditorCall((params) => {
      otherCalls.push(params.method);
      return params.method === 'getEditorInfo' ? { buffers: [{ name: 'b.txt' }] } : 'b.txt';
    });
    await other.initialize('second-editor', {
      editor: { calls: ['getEditorInfo', 'pick', 'openBuffer'] },
    });
    // Commands come from a client that is no editor (a request from an editor counts as activity).
    const runner = await connectWebSocket({ url: info.url, token: info.token });
    await runner.initialize('runner');
    // The editor that joined last is where the user is, until another speaks.
    expect(await runner.request(PluginExecuteCommand, { command: 'switcher.open' })).toBe('b.txt');
    expect(otherCalls).toEqual(['getEditorInfo', 'pick', 'openBuffer']);
    // The stdio editor sends an event: calls go there now; it never answers, so the call is
    // given up at the editor timeout and cancelled on the editor.
    await daemon.client.notify(EditorEvent, { event: 'buffer:entered', data: { name: 'a' } });
    // The event and the next command travel on different connections; a round trip on stdio
    // proves the daemon has read the event before the command is sent.
    await daemon.client.request(PluginList, {});
    const failed = await runner
      .request(PluginExecuteCommand, { command: 'switcher.open' })
      .catch((e: Error) => e.message);
    expect(failed).toContain('did not answer "getEditorInfo" within 400 ms');
    expect(stdioCalls).toEqual(['getEditorInfo']);
    await expect.poll(() => cancelled).toBe(1);
    other.dispose();
    runner.dispose();
    expect(await daemon.stop()).toBe(0);
  });
});
