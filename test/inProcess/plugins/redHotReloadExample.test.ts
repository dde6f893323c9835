import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type EditorCallParams,
  type LogEntry,
  LogEntryNotification,
  LogSubscribe,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginGetState,
  PluginReload,
} from '../../../src/protocol/index.js';
import { copyFixture, editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;

async function followLog(d: Daemon, pluginId: string): Promise<NotificationLog<LogEntry>> {
  const log = NotificationLog.of(d.client, LogEntryNotification);
  await d.client.request(LogSubscribe, { pluginId, level: 'debug' });
  return log;
}

const said = (log: NotificationLog<LogEntry>, message: string) =>
  log.waitFor((e) => e.message === message, { what: `"${message}"` });

describe("the Red editor's hot-reload plan's example plugin, unchanged", () => {
  it('runs the "Plugin Development Workflow" example as written, and keeps its counter across a hot reload', async () => {
    const dir = await tempDir();
    const file = await copyFixture(
      'red-hot-reload-example/example-plugin.js',
      dir,
      'example-plugin.js',
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const log = await followLog(d, 'example-plugin');
    for (let i = 0; i < 3; i++)
      await d.client.request(PluginExecuteCommand, { command: 'IncrementCounter' });
    await said(log, 'Counter: 3');
    const before = await d.client.request(PluginGetState, { id: 'example-plugin' });
    expect(before.state).toMatchObject({ counter: 3, lastAction: expect.any(String) });

    const mark = d.reloads.mark;
    await editFile(file, `${await readFile(file, 'utf8')}\n// edited\n`);
    await d.reloads.waitFor((r) => r.trigger === 'file' && r.ok, { from: mark });
    await said(log, 'Plugin deactivating...');
    await said(log, 'Plugin reloaded, state restored');
    // The Date in its state crossed as a Date (as JSON here: the same instant, not `{}`).
    const after = await d.client.request(PluginGetState, { id: 'example-plugin' });
    expect(after).toMatchObject({ generation: 2, state: before.state });
    await d.client.request(PluginExecuteCommand, { command: 'IncrementCounter' });
    await said(log, 'Counter: 4');
  });

  it('leaves exactly one animation running after a reload of a plugin that never clears its timers, and says what leaked', async () => {
    const dir = await tempDir();
    const source = (version: string) => `
const VERSION = '${version}';
export async function activate(red) {
  await red.createOverlay('spinner', { x: 0, y: 0, width: 12, height: 1 });
  let frame = 0;
  await red.setInterval(() => { frame += 1; red.updateOverlay('spinner', [VERSION + ' ' + red.generation + ' interval ' + frame]); }, 10);
  const step = async () => { red.updateOverlay('spinner', [VERSION + ' ' + red.generation + ' chain']); await red.setTimeout(step, 10); };
  await red.setTimeout(step, 10);
}`;
    const file = path.join(dir, 'anim.js');
    await editFile(file, source('v1'));
    const frames: string[] = [];
    const d = await connectInMemory(dir, {
      expectPlugins: 1,
      editor: {
        calls: ['createOverlay', 'updateOverlay'],
        onCall: (params: EditorCallParams) => {
          if (params.method === 'updateOverlay') frames.push((params.args[1] as string[])[0] ?? '');
          return null;
        },
      },
    });
    await expect.poll(() => frames.some((f) => /^v1 \d+ interval/.test(f))).toBe(true);
    await editFile(file, source('v2'));
    await d.reloads.waitFor((r) => r.trigger === 'file' && r.ok);
    await expect.poll(() => frames.some((f) => /^v2 \d+ interval/.test(f))).toBe(true);
    // Nothing of v1 can follow v2's first frame: its timers were cleared before v2 activated.
    const mark = frames.findIndex((f) => f.startsWith('v2'));
    await expect
      .poll(() => frames.slice(mark).filter((f) => f.includes('interval')).length)
      .toBeGreaterThan(10);
    const since = frames.slice(mark);
    expect(since.filter((f) => f.startsWith('v1'))).toEqual([]);
    // One animation at a time: once a generation has drawn, no earlier one draws again (an
    // editor's save can cause a second reload of the same content), and each generation's
    // interval counts up by one, no frame twice.
    const parsed = since
      .map((f) => f.split(' '))
      .map(([, gen, kind, n]) => ({ gen: Number(gen), kind, n: Number(n) }));
    parsed.forEach((frame, i) => {
      expect(frame.gen).toBeGreaterThanOrEqual(parsed[i - 1]?.gen ?? 0);
    });
    for (const gen of new Set(parsed.map((f) => f.gen))) {
      const numbers = parsed.filter((f) => f.gen === gen && f.kind === 'interval').map((f) => f.n);
      expect(numbers).toEqual(numbers.map((_, i) => (numbers[0] as number) + i));
    }

    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'anim' });
    const leak = diagnostics.find((x) => x.code === 'RELOADD_UNLOAD_LEAK');
    expect(leak?.message).toMatch(
      /Plugin 'anim' did not fully unload: .*1 interval.*1 timeout|1 timeout.*1 interval/,
    );
  });

  it('lets fire-and-forget editor calls fail quietly, and lists a repeating error once', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'noisy.js'),
      `let frames = 0;
      export async function activate(red) {
        await red.setInterval(() => { frames += 1; red.updateOverlay('o', ['frame ' + frames]); }, 5);
        await red.setInterval(() => { throw new Error('tick failed'); }, 5);
        red.addCommand('noisy.frames', () => frames);
      }`,
    );
    // No editor connects: every updateOverlay fails after 20 ms.
    const d = await connectInMemory(dir, { expectPlugins: 1, editorCallTimeoutMs: 20 });
    await expect
      .poll(() => d.client.request(PluginExecuteCommand, { command: 'noisy.frames' }))
      .toBeGreaterThan(40);
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'noisy' });
    // The overlay calls' failures are nobody's unhandled rejection; the throwing timer is listed once.
    expect(diagnostics.map((x) => [x.code, x.message.includes('tick failed')])).toEqual([
      ['RELOADD_RUNTIME_ERROR', true],
    ]);
  });

  it('calls the cleanup function that activate returned, at unload', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'tidy.js'),
      `export function activate(red) {
        const id = setInterval(() => {}, 1000);
        return () => { clearInterval(id); red.log('cleaned up'); };
      }`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const log = await followLog(d, 'tidy');
    await d.client.request(PluginReload, { id: 'tidy' });
    await said(log, 'cleaned up');
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'tidy' });
    expect(diagnostics.filter((x) => x.code === 'RELOADD_UNLOAD_LEAK')).toEqual([]);
  });

  it("tells plugins of other plugins' reloads (plugin:reloading, plugin:reloaded), and has log() and print() globals", async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'watcher.js'),
      `const seen = [];
      export function activate(red) {
        red.on('plugin:reloading', (e) => seen.push(['reloading', e.id, e.generation]));
        red.on('plugin:reloaded', (e) => seen.push(['reloaded', e.id, e.generation, e.ok]));
        red.addCommand('watcher.seen', () => seen);
        log('watching');
        print('printed');
      }`,
    );
    await editFile(path.join(dir, 'other.js'), 'export function activate() {}');
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    const log = await followLog(d, 'watcher');
    await said(log, 'watching');
    await said(log, 'printed');
    await d.client.request(PluginReload, { id: 'other' });
    await expect
      .poll(() => d.client.request(PluginExecuteCommand, { command: 'watcher.seen' }))
      .toEqual([
        ['reloading', 'other', 1],
        ['reloaded', 'other', 2, true],
      ]);
  });
});

describe("the KeenEyes guide's lifecycle names", () => {
  it('accepts initialize(ctx) and shutdown() as activate and deactivate', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'dotnetish.js'),
      `let state = { n: 0 };
      export function initialize(ctx) {
        ctx.subscriptions.push(ctx.commands.register('dotnetish.inc', () => ++state.n));
      }
      export function shutdown() { log('shutting down'); }
      export function saveState() { return state; }
      export function restoreState(saved) { state = saved; }`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const log = await followLog(d, 'dotnetish');
    await d.client.request(PluginExecuteCommand, { command: 'dotnetish.inc' });
    await d.client.request(PluginReload, { id: 'dotnetish' });
    await said(log, 'shutting down');
    expect(await d.client.request(PluginExecuteCommand, { command: 'dotnetish.inc' })).toBe(2);
  });
});
