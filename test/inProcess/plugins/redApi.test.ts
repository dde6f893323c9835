import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type EditorCallParams,
  EditorEvent,
  EditorState,
  PluginExecuteCommand,
  PluginGetState,
  PluginReload,
  redEditorCalls,
} from '../../../src/protocol/index.js';
import { copyFixture, editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;
type Answer = (args: unknown[], pluginId: string) => unknown;

/**
 * An editor on the other end of the protocol, as Red would be one: it answers `editor/call`s, and
 * tells a handle's plugin what happened to it with `editor/event`s carrying its `pluginId`.
 */
function editor(answers: Record<string, Answer> = {}) {
  const calls: EditorCallParams[] = [];
  const waiting: { method: string; resolve(call: EditorCallParams): void }[] = [];
  let daemon: Daemon | undefined;
  return {
    calls,
    methods: (...names: string[]) => calls.filter((c) => names.includes(c.method)),
    attach(d: Daemon) {
      daemon = d;
    },
    /** The next call of `method` (or the first, if it came already). */
    called(method: string): Promise<EditorCallParams> {
      const seen = calls.find((c) => c.method === method);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiting.push({ method, resolve }));
    },
    /** After the answer, as an editor's events follow the call that started them. */
    send(pluginId: string, event: string, data: unknown) {
      setImmediate(() => {
        daemon?.client.notify(EditorEvent, { event, data, pluginId }).catch(() => undefined);
      });
    },
    onCall(params: EditorCallParams) {
      calls.push(params);
      for (const waiter of waiting.filter((w) => w.method === params.method)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(params);
      }
      return answers[params.method]?.(params.args, params.pluginId) ?? null;
    },
  };
}

async function start(files: string[], play: ReturnType<typeof editor>, calls?: string[]) {
  const dir = await tempDir();
  for (const file of files) await copyFixture(file, dir, path.basename(file));
  const d = await connectInMemory(dir, {
    expectPlugins: files.length,
    editor: {
      calls: calls ?? redEditorCalls().map((c) => c.method),
      onCall: (params) => play.onCall(params),
    },
  });
  play.attach(d);
  return d;
}

const run = (d: Daemon, command: string) =>
  d.client.request(PluginExecuteCommand, { command, args: [] });

describe("the Red editor's API, against an editor that speaks the protocol", () => {
  it("runs project_search's picker, process and storage as handles: made at once, told through pluginId events", async () => {
    const match = JSON.stringify({
      type: 'match',
      data: {
        path: { text: 'src/notes.md' },
        lines: { text: 'a needle here\n' },
        line_number: 3,
        submatches: [{ match: { text: 'needle' }, start: 2, end: 8 }],
      },
    });
    let selected = false;
    const play = editor({
      getConfig: ([key]) => (key === 'cwd' ? '/work' : null),
      // The user types a query into the picker the plugin opened.
      createPicker: ([id], pluginId) => play.send(pluginId, `picker:query:${id}`, 'needle'),
      // ripgrep, as the editor runs it for the plugin: one match, then its end.
      spawnProcess: ([id], pluginId) => {
        play.send(pluginId, `process:stdout:${id}`, match);
        play.send(pluginId, `process:exit:${id}`, { code: 0 });
      },
      // The results arrive; the user picks the first.
      updatePickerItems: ([id, items], pluginId) => {
        if (selected || !Array.isArray(items) || items.length === 0) return;
        selected = true;
        play.send(pluginId, `picker:selected:${id}`, items[0]);
      },
    });
    const d = await start(['red-cbe586a/plugins/project_search.js'], play);
    await run(d, 'ProjectSearch');
    const spawned = (await play.called('spawnProcess')).args[1] as { args: string[] };
    expect(spawned).toMatchObject({ command: 'rg', cwd: '/work' });
    expect(spawned.args).toContain('needle');
    // Its controller's id, as red.d.ts types it, and the same handle throughout.
    const [created] = play.methods('createPicker');
    expect(typeof created?.args[0]).toBe('number');
    expect(play.methods('updatePickerItems', 'closePicker').map((c) => c.args[0])).toEqual(
      expect.arrayContaining([created?.args[0]]),
    );
    expect(play.methods('openLocation').map((c) => c.args)).toEqual([
      [
        { path: 'src/notes.md', line: 2, column: 2, columnEncoding: 'utf8-byte' },
        { target: 'current' },
      ],
    ]);
    // What it keeps for itself, red.storage, stays across a reload, as its next search reads it.
    const history = { historyByCwd: { '/work': ['needle'] } };
    expect(await d.client.request(PluginGetState, { id: 'project_search' })).toMatchObject({
      storage: history,
    });
    await d.client.request(PluginReload, { id: 'project_search' });
    expect(await d.client.request(PluginGetState, { id: 'project_search' })).toMatchObject({
      generation: 2,
      storage: history,
    });
  });

  it('answers listThemes at once from what the editor pushed, and the declared default before', async () => {
    const play = editor({ getConfig: () => 'dark' });
    const d = await start(['red-cbe586a/plugins/theme_browser.js'], play, [
      'getConfig',
      'pickLive',
      'execute',
      'previewTheme',
      'setTheme',
    ]);
    // Nothing pushed: no themes, as Red says when it has none.
    await run(d, 'ThemeBrowser');
    expect(play.methods('execute').map((c) => c.args)).toEqual([['Print', 'No themes found']]);
    await d.client.notify(EditorState, { state: { listThemes: ['dark', 'light'] } });
    const command = run(d, 'ThemeBrowser');
    const [id, title, values, options] = (await play.called('pickLive')).args;
    expect([title, values, options]).toEqual([
      'Themes',
      ['dark', 'light'],
      { initialSelection: 'dark', presentation: 'compact' },
    ]);
    // The user moves to "light" (a preview), then cancels: the original theme comes back.
    play.send('theme_browser', `picker:changed:${id}`, 'light');
    play.send('theme_browser', `picker:cancelled:${id}`, null);
    await command;
    expect(play.methods('previewTheme', 'setTheme').map((c) => [c.method, ...c.args])).toEqual([
      ['previewTheme', 'light'],
      ['previewTheme', 'dark'],
    ]);
  });
});

describe('an editor that lacks a method', () => {
  it("fails the plugin's call with the reason, and says so on the plugin, never a hang", async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'layout.js'),
      `export function activate(red) {
        red.addCommand('layout.read', async () => {
          try {
            return await red.getViewportLayout();
          } catch (error) {
            return 'failed: ' + error.message;
          }
        });
        red.addCommand('layout.draw', () => red.drawText(0, 0, 'x'));
      }`,
    );
    const play = editor();
    const d = await connectInMemory(dir, {
      expectPlugins: 1,
      editor: { calls: ['getEditorInfo'], onCall: (params) => play.onCall(params) },
    });
    expect(await run(d, 'layout.read')).toBe(
      'failed: the editor (in-memory-test) does not implement "getViewportLayout"; it offers: getEditorInfo',
    );
    // A call whose answer the plugin never sees: nothing thrown at it, the warning all the same.
    expect(await run(d, 'layout.draw')).toBeNull();
    const published = await d.diagnostics.waitFor(
      (p) =>
        p.pluginId === 'layout' &&
        p.diagnostics.filter((x) => x.code === 'RELOADD_EDITOR_CALL_MISSING').length === 2,
    );
    expect(published.diagnostics.map((x) => [x.severity, x.message])).toEqual([
      ['warning', expect.stringContaining('does not implement "getViewportLayout"')],
      ['warning', expect.stringContaining('does not implement "drawText"')],
    ]);
    expect(play.calls).toEqual([]);
  });
});

describe('cool_search', () => {
  it('clears the search highlight when the cursor moves off a search, as its listener asks', async () => {
    const play = editor();
    const d = await start(['red-cbe586a/plugins/cool_search.js'], play);
    const reloaded = await d.client.request(PluginReload, { id: 'cool_search' });
    expect(reloaded).toMatchObject({ results: [{ ok: true }] });
    for (const [event, data] of [
      ['search:highlighted', { term: 'a', direction: 'Forward', source: 'Search' }],
      ['cursor:moved', { x: 1, y: 2, mode: 'Normal', cause: 'MoveDown' }],
    ] as const)
      await d.client.notify(EditorEvent, { event, data });
    await play.called('clearSearchHighlight');
    expect(play.methods('clearSearchHighlight')).toHaveLength(1);
  });
});
