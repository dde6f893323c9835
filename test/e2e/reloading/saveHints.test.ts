import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DidChangeWatchedFiles,
  DidSaveTextDocument,
  type LogEntry,
  LogEntryNotification,
  LogSubscribe,
  PluginExecuteCommand,
  PluginList,
} from '../../../src/protocol/index.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { copyFixture, editFile, tempDir } from '../../helpers/files.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';

/**
 * An editor's saves as LSP sends them. The editor writes the file, then says so: its hint and
 * the file watcher's own event race, and whichever comes second must change nothing. The daemon
 * polls its files every 100 ms, so the hint is ahead and the watcher's event comes late, often
 * after the reload is over (where it would start a second one).
 */
const SECOND_OF_TWO = /^the (editor told of|file watcher saw) this save already: no change$/;

describe('textDocument/didSave', () => {
  let daemon: DaemonUnderTest;
  let logs: NotificationLog<LogEntry>;
  let source: string;
  let other: string;
  let original: string;
  const withVersion = (version: string) =>
    original.replace("const VERSION = 'v1';", `const VERSION = '${version}';`);
  const saved = (file: string) =>
    daemon.client.notify(DidSaveTextDocument, { textDocument: { uri: pathToFileURL(file).href } });

  beforeAll(async () => {
    const dir = await tempDir();
    source = path.join(await copyFixture('stateful', dir), 'index.js');
    original = await readFile(source, 'utf8');
    other = path.join(dir, 'other.js');
    await editFile(other, 'export function activate() {}\n');
    daemon = await startDaemon(dir, { expectPlugins: 2, args: ['--poll', '100'] });
    logs = NotificationLog.of(daemon.client, LogEntryNotification);
    await daemon.client.request(LogSubscribe, { level: 'debug', last: 0 });
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  it('reloads each save once, whichever of the hint and the watcher comes first', async () => {
    const rounds = 6;
    for (let round = 2; round <= rounds + 1; round++) {
      const mark = daemon.reloads.mark;
      const logMark = logs.mark;
      await editFile(source, withVersion(`v${round}`));
      await saved(source);
      const first = await daemon.reloads.waitFor((r) => r.id === 'stateful', { from: mark });
      // One generation more per save: a second reload of an earlier save would have made this
      // round's first reload a generation too far.
      expect(first).toMatchObject({ ok: true, generation: round, trigger: 'file' });
      expect(first.changedFiles).toEqual([source]);
      // The second of the two to come, the hint or the watcher's own event, is no change.
      await logs.waitFor((e) => SECOND_OF_TWO.test(e.message), { from: logMark });
    }
    // The watcher's event for the last save came before this one's, for another plugin.
    const mark = daemon.reloads.mark;
    await editFile(other, 'export function activate() {} // edited\n');
    await daemon.reloads.waitFor((r) => r.id === 'other', { from: mark });
    const { plugins } = await daemon.client.request(PluginList, {});
    expect(plugins.find((p) => p.id === 'stateful')?.generation).toBe(rounds + 1);
    const answer = await daemon.client.request(PluginExecuteCommand, { command: 'stateful.get' });
    expect(answer).toMatchObject({ version: `v${rounds + 1}` });
  });

  it('takes a didSave that comes after the watcher reloaded the save as no change', async () => {
    const mark = daemon.reloads.mark;
    const logMark = logs.mark;
    await editFile(source, withVersion('v-late'));
    await daemon.reloads.waitFor((r) => r.id === 'stateful', { from: mark });
    await saved(source);
    await logs.waitFor((e) => e.message.startsWith('the file watcher saw this save already'), {
      from: logMark,
    });
    await daemon.client.request(PluginList, {});
    expect(daemon.reloads.all.slice(mark).filter((r) => r.id === 'stateful')).toHaveLength(1);
  });

  it('ignores a file no plugin is made of and a URI that is not a file; takes didChangeWatchedFiles', async () => {
    const mark = daemon.reloads.mark;
    await saved(path.join(path.dirname(source), '..', '..', 'elsewhere.js'));
    await daemon.client.notify(DidSaveTextDocument, {
      textDocument: { uri: 'untitled:Untitled-1' },
    });
    // LSP's other way to say it, for a file as it is now on disk.
    await editFile(other, 'export function activate() {} // again\n');
    await daemon.client.notify(DidChangeWatchedFiles, {
      changes: [{ uri: pathToFileURL(other).href, type: 2 }],
    });
    await daemon.reloads.waitFor((r) => r.id === 'other', { from: mark });
    // Then a save of the first plugin: what the hints above did came before its reload.
    await editFile(source, withVersion('v-last'));
    await daemon.reloads.waitFor((r) => r.id === 'stateful', { from: mark });
    expect(daemon.reloads.all.slice(mark).map((r) => r.id)).toEqual(['other', 'stateful']);
  });
});
