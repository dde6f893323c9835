import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EditorCaller } from '../../../src/daemon/toClients/EditorBridge.js';
import {
  EditorStandIn,
  readStandInScript,
  type StandInDaemon,
} from '../../../src/daemon/toClients/EditorStandIn.js';
import { redEditorCalls } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';

/** The daemon as a stand-in sees it: what it registered, the events and state it sent. */
function fakeDaemon() {
  const sent: { event: string; data: unknown; pluginId?: string }[] = [];
  const pushed: Record<string, unknown>[] = [];
  let channel: EditorCaller | undefined;
  let calls: readonly string[] = [];
  let removed = 0;
  const daemon: StandInDaemon = {
    editors: {
      register: (_name, c, methods) => {
        channel = c;
        calls = methods;
        return { touch: () => undefined, remove: () => void removed++ };
      },
    },
    emitEvent: (event, data, pluginId) =>
      void sent.push({ event, data, ...(pluginId ? { pluginId } : {}) }),
    hosts: { pushEditorState: (state) => void pushed.push(state) },
  };
  const call = (method: string, ...args: unknown[]) =>
    (channel as EditorCaller).call({ pluginId: 'p', method, args }, new AbortController().signal);
  return { daemon, sent, pushed, call, calls: () => calls, removed: () => removed };
}

describe('EditorStandIn', () => {
  it('offers every call of the Red API, answers the declared default for those it is not given, and records each', async () => {
    const fake = fakeDaemon();
    const standIn = new EditorStandIn(fake.daemon, { calls: { getBufferText: 'hello' } });
    standIn.connect();
    expect(fake.calls()).toEqual(expect.arrayContaining(redEditorCalls().map((c) => c.method)));
    expect(await fake.call('getBufferText', 0, 1)).toBe('hello');
    expect(await fake.call('getCursorPosition')).toEqual({ x: 0, y: 0 });
    // red.d.ts's Config, whole or by key.
    expect(await fake.call('getConfig')).toMatchObject({ theme: 'default', keys: {} });
    expect(await fake.call('getConfig', 'theme')).toBe('default');
    expect(await fake.call('getConfig', 'no_such_key')).toBeNull();
    expect(await fake.call('insertText', 0, 0, 'x')).toBeNull();
    expect(standIn.calls('p').map((c) => [c.method, c.args])).toEqual([
      ['getBufferText', [0, 1]],
      ['getCursorPosition', []],
      ['getConfig', []],
      ['getConfig', ['theme']],
      ['getConfig', ['no_such_key']],
      ['insertText', [0, 0, 'x']],
    ]);
    expect(standIn.calls('someone else')).toEqual([]);
    standIn.disconnect();
    expect(fake.removed()).toBe(1);
  });

  it("pushes its state once, and a module's function answers with its arguments and sends events to the caller after", async () => {
    const fake = fakeDaemon();
    const standIn = new EditorStandIn(fake.daemon, {
      state: { listThemes: ['dark'] },
      calls: {
        createPicker(
          this: { emit(e: string, d: unknown): void },
          id: number,
          _t: string,
          items: unknown[],
        ) {
          this.emit(`picker:selected:${id}`, items[0]);
          return null;
        },
      },
    });
    standIn.connect();
    expect(fake.pushed).toEqual([{ listThemes: ['dark'] }]);
    await fake.call('createPicker', 7, 'Pick', [{ id: 'a', label: 'A' }]);
    // Not yet: an editor's event follows the answer to the call that started it.
    expect(fake.sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.sent).toEqual([
      { event: 'picker:selected:7', data: { id: 'a', label: 'A' }, pluginId: 'p' },
    ]);
  });

  it('reads a JSON file or a JS module, and says what is wrong with one that is neither', async () => {
    const dir = await tempDir();
    const json = path.join(dir, 'editor.json');
    await editFile(
      json,
      JSON.stringify({ calls: { getConfig: 'x' }, events: { 'file:saved': {} } }),
    );
    expect(await readStandInScript(json)).toEqual({
      calls: { getConfig: 'x' },
      events: { 'file:saved': {} },
    });
    const module = path.join(dir, 'editor.mjs');
    await editFile(module, 'export const calls = { pick: (_t, values) => values[1] };');
    const script = await readStandInScript(module);
    const pick = script.calls?.pick as (...a: unknown[]) => unknown;
    expect(pick('t', ['a', 'b'])).toBe('b');

    const bad = async (name: string, content: string) => {
      const file = path.join(dir, name);
      await editFile(file, content);
      return readStandInScript(file).then(
        () => 'read',
        (error: Error) => error.message,
      );
    };
    expect(await bad('list.json', '[]')).toMatch(/an editor stand-in is an object/);
    expect(await bad('calls.json', '{"calls": []}')).toMatch(/"calls" must be an object/);
    expect(await bad('extra.json', '{"answers": {}}')).toMatch(/unknown part "answers"/);
    expect(await bad('broken.json', '{"calls": ')).toMatch(/broken\.json: .*JSON/);
  });
});
