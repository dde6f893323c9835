import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticCodes,
  EditorEvent,
  PluginExecuteCommand,
  PluginReload,
  Shutdown,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;

/**
 * A plugin that behaves as the Red editor's session_restore does: its `beforeExit(red, state)`
 * keeps the editor's saved buffers in `red.storage`, and its `activate` reads them back. It also
 * keeps every call it got (`exits`), and says in the log when one is done.
 */
const SESSION = `
let restored = null;
export async function activate(red) {
  restored = await red.storage.get('latest');
  red.addCommand('session.restored', () => restored);
}
export async function beforeExit(red, state) {
  const exits = (await red.storage.get('exits')) ?? [];
  exits.push({ generation: red.generation, state });
  await red.storage.set('exits', exits);
  if (state) {
    await red.storage.set('latest', { ...state, buffers: state.buffers.filter((b) => b.path && !b.dirty) });
  }
  red.logInfo('beforeExit of generation ' + red.generation + ' done');
}
`;

const EDITOR_STATE = {
  version: 1,
  cwd: '/home/me/project',
  savedAt: 1_790_000_000,
  buffers: [
    { index: 0, path: 'src/main.rs', dirty: false, cursor: { x: 4, y: 10 }, viewportTop: 0 },
    { index: 1, path: 'notes.md', dirty: true, cursor: { x: 0, y: 0 }, viewportTop: 0 },
  ],
  currentBufferIndex: 0,
  windowLayout: null,
};

/** Resolves when the daemon has logged a line that contains `text` (already, or from now on). */
function logged(d: Daemon, text: string): Promise<void> {
  return new Promise((resolve) => {
    const subscription = d.logs.subscribe({ level: 'debug' }, (entry) => {
      if (!entry.message.includes(text)) return;
      queueMicrotask(() => subscription.dispose());
      resolve();
    });
  });
}

async function storageOf(stateDir: string, id: string) {
  return JSON.parse(await readFile(path.join(stateDir, `${id}.storage.json`), 'utf8')).values;
}

describe('beforeExit(red, editorState)', () => {
  it("runs once per generation, when the editor says it is exiting and when the daemon stops, with the editor's state; the next session gets what it saved", async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await editFile(path.join(dir, 'session.js'), SESSION);
    const asked: string[] = [];
    const editor = {
      calls: ['getEditorState'],
      onCall: ({ method, pluginId }: { method: string; pluginId: string }) => {
        asked.push(`${method} for "${pluginId}"`);
        return EDITOR_STATE;
      },
    };
    const first = await connectInMemory(dir, { stateDir, expectPlugins: 1, editor });
    // The editor says it is exiting, without its state: the daemon asks for it.
    const done = logged(first, 'beforeExit of generation 1 done');
    await first.client.notify(EditorEvent, { event: 'editor:exiting' });
    await done;
    expect(asked).toEqual(['getEditorState for ""']);
    // Said again, or with the state in it: generation 1 has had its call.
    await first.client.notify(EditorEvent, { event: 'editor:exiting', data: EDITOR_STATE });
    await first.client.request(PluginReload, { id: 'session' });
    // The owner's shutdown stops the daemon: generation 2 has not had one yet.
    await first.client.request(Shutdown, null);
    expect(asked).toEqual(['getEditorState for ""', 'getEditorState for ""']);
    expect((await storageOf(stateDir, 'session')).exits).toEqual([
      { generation: 1, state: EDITOR_STATE },
      { generation: 2, state: EDITOR_STATE },
    ]);

    const second = await connectInMemory(dir, { stateDir, expectPlugins: 1 });
    expect(
      await second.client.request(PluginExecuteCommand, { command: 'session.restored' }),
    ).toEqual({ ...EDITOR_STATE, buffers: [EDITOR_STATE.buffers[0]] });
  });

  it('takes the state an exiting editor sends, and gives null when no editor answers', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await editFile(path.join(dir, 'session.js'), SESSION);
    const d = await connectInMemory(dir, { stateDir, expectPlugins: 1 });
    const done = logged(d, 'beforeExit of generation 1 done');
    await d.client.notify(EditorEvent, { event: 'editor:exiting', data: EDITOR_STATE });
    await done;
    await d.client.request(PluginReload, { id: 'session' });
    // No editor is connected: the stop does not wait for one.
    await d.client.request(Shutdown, null);
    expect((await storageOf(stateDir, 'session')).exits).toEqual([
      { generation: 1, state: EDITOR_STATE },
      { generation: 2, state: null },
    ]);
  });

  it('turns a beforeExit that throws, hangs or loops into a diagnostic, and never holds up the stop', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    const plugin = (body: string) => `
export function activate() {}
export async function beforeExit(ctx, state) { ${body} }
export function saveState() { return { stopped: true }; }
`;
    await editFile(path.join(dir, 'thrower.js'), plugin("throw new Error('no session to save');"));
    await editFile(path.join(dir, 'hanger.js'), plugin('await new Promise(() => {});'));
    await editFile(path.join(dir, 'looper.js'), plugin('for (;;) {}'));
    await editFile(path.join(dir, 'session.js'), SESSION);
    const d = await connectInMemory(dir, { stateDir, expectPlugins: 4, lifecycleMs: 1000 });
    await d.client.notify(EditorEvent, { event: 'editor:exiting', data: EDITOR_STATE });
    const failed = new Map<string, string>();
    await d.diagnostics.waitFor(
      (p) => {
        for (const x of p.diagnostics)
          if (x.code === DiagnosticCodes.BeforeExitFailed) failed.set(p.pluginId, x.message);
        return failed.size === 3;
      },
      { what: 'three beforeExit failures' },
    );
    expect(failed.get('thrower')).toContain('beforeExit threw Error: no session to save');
    expect(failed.get('hanger')).toContain('beforeExit did not finish within 1000 ms');
    expect(failed.get('looper')).toContain('beforeExit did not return within 1000 ms');
    // The stop goes on: each plugin's state is saved and the session's beforeExit ran once.
    await d.client.request(Shutdown, null);
    const snapshot = await readFile(path.join(stateDir, 'hanger.snapshot'));
    expect(snapshot.byteLength).toBeGreaterThan(0);
    expect((await storageOf(stateDir, 'session')).exits).toEqual([
      { generation: 1, state: EDITOR_STATE },
    ]);
  });
});
