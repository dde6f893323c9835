import { cp } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticCodes,
  EditorEvent,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginList,
  PluginReload,
} from '../../../src/protocol/index.js';
import { startDaemon } from '../../helpers/daemonProcess.js';
import { tempDir } from '../../helpers/files.js';
import { ROOT } from '../../helpers/paths.js';

/** The plugins `npm start` runs (a copy: the test must not edit the repository's files). */
describe('the bundled example plugins', () => {
  it('load, and word-count counts the words of the buffer the editor reports', async () => {
    const dir = await tempDir();
    await cp(path.join(ROOT, 'examples', 'plugins'), dir, { recursive: true });
    let text = 'one two three';
    const daemon = await startDaemon(dir, {
      expectPlugins: 2,
      editor: { calls: ['getBufferText'], onCall: () => text },
    });
    const { plugins } = await daemon.client.request(PluginList, {});
    expect(plugins.map((p) => [p.id, p.status])).toEqual([
      ['counter', 'active'],
      ['word-count', 'active'],
    ]);
    const counted = () => daemon.client.request(PluginExecuteCommand, { command: 'wordCount.get' });
    await daemon.client.notify(EditorEvent, { event: 'buffer:entered', data: { name: 'a.md' } });
    await expect.poll(counted).toEqual({ buffer: 'a.md', words: 3 });
    text = 'four words this time';
    await daemon.client.notify(EditorEvent, { event: 'text:changed', data: { name: 'a.md' } });
    await expect.poll(counted).toEqual({ buffer: 'a.md', words: 4 });
    expect(await daemon.stop()).toBe(0);
  });

  it('reload cleanly; the leak example, kept apart, shows what a leak looks like', async () => {
    const dir = await tempDir();
    await cp(path.join(ROOT, 'examples', 'plugins'), dir, { recursive: true });
    await cp(path.join(ROOT, 'examples', 'leaky-plugins'), dir, { recursive: true });
    const daemon = await startDaemon(dir, { expectPlugins: 3 });
    const results = await daemon.client.request(PluginReload, { all: true });
    expect(results.results.map((r) => [r.id, r.ok])).toEqual([
      ['counter', true],
      ['leaky-timer', true],
      ['word-count', true],
    ]);
    const { diagnostics } = await daemon.client.request(PluginDiagnostics, {});
    const leaks = diagnostics.filter((d) => d.code === DiagnosticCodes.UnloadLeak);
    expect(leaks.map((d) => [d.pluginId, d.message])).toEqual([
      ['leaky-timer', expect.stringContaining('1 interval')],
    ]);
    expect(await daemon.stop()).toBe(0);
  });
});
