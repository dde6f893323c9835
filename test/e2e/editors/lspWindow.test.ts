import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWebSocket, type ReloaddClient } from '../../../src/clients/index.js';
import {
  DidChangeStatus,
  DidReload,
  LogMessage,
  PluginList,
  PluginReload,
  Progress,
  type ProgressParams,
  ShowDocument,
  ShowMessage,
  type ShowMessageParams,
  ShowMessageRequest,
  TextDocumentPublishDiagnostics,
  WorkDoneProgressCancel,
  WorkDoneProgressCreate,
} from '../../../src/protocol/index.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { copyFixture, editFile, tempDir } from '../../helpers/files.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';
import { daemonInfo } from '../../helpers/network.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

const MANY = 50;

/**
 * A generic LSP client, as an editor's built-in one: it declares LSP's window capabilities and
 * knows nothing of reloadd's own notifications, and is shown what it shows any language server.
 */
describe('an LSP client that declares window capabilities', () => {
  let dir: string;
  let daemon: DaemonUnderTest;
  let source: string;
  let original: string;
  const created: unknown[] = [];
  let shown: NotificationLog<ShowMessageParams>;
  let logged: NotificationLog<ShowMessageParams>;
  let progress: NotificationLog<ProgressParams>;
  const others: ReloaddClient[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    for (let i = 1; i <= MANY; i++)
      await writeFile(path.join(dir, `p${i}.js`), `export function activate() {}\n`);
    for (const [id, fields] of [
      ['base', {}],
      ['uses-base', { dependencies: { base: '^1.0.0' } }],
    ] as const) {
      await editFile(path.join(dir, id, 'plugin.json'), manifest(id, fields));
      await editFile(path.join(dir, id, 'index.js'), counterPlugin(id, 'v1'));
    }
    const pluginDir = await copyFixture('stateful', dir);
    source = path.join(pluginDir, 'index.js');
    original = await readFile(source, 'utf8');
    daemon = await startDaemon(dir, { initialize: false, workspace: dir });
    const { client } = daemon;
    shown = NotificationLog.of(client, ShowMessage);
    logged = NotificationLog.of(client, LogMessage);
    progress = NotificationLog.of(client, Progress);
    client.connection.onRequest(WorkDoneProgressCreate.method, (params: unknown) => {
      created.push(params);
      return null;
    });
    await client.initialize('generic-lsp-editor', { window: { workDoneProgress: true } });
    await daemon.reloads.waitFor(
      () => daemon.reloads.all.filter((r) => r.trigger === 'startup').length === MANY + 3,
      { what: 'every first load' },
    );
  });
  afterAll(async () => {
    for (const other of others) other.dispose();
    expect(await daemon.stop()).toBe(0);
  });

  it('shows the first load of many plugins as progress: begin, a report per plugin, end', async () => {
    const token = (created[0] as { token: string }).token;
    expect(created).toEqual([{ token }]);
    await progress.waitFor((p) => p.token === token && p.value.kind === 'end');
    const values = progress.all.filter((p) => p.token === token).map((p) => p.value);
    expect(values[0]).toMatchObject({ kind: 'begin', title: 'Loading plugins', percentage: 0 });
    const reports = values.slice(1, -1);
    expect(reports).toHaveLength(MANY + 3);
    for (const report of reports) expect(report.kind).toBe('report');
    const percentages = reports.map((r) => (r.kind === 'report' ? r.percentage : -1));
    expect(percentages).toEqual([...percentages].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(percentages.at(-1)).toBe(100);
    expect(reports[0]).toMatchObject({ message: expect.stringMatching(/ ✓ \(1 of 53\)$/) });
    expect(values.at(-1)).toEqual({ kind: 'end', message: `${MANY + 3} of ${MANY + 3} active` });
  });

  it('shows a save that reloads the plugins depending on it as progress too', async () => {
    const mark = progress.mark;
    await editFile(path.join(dir, 'base', 'index.js'), counterPlugin('base', 'v2'));
    const end = await progress.waitFor((p) => p.value.kind === 'end', { from: mark });
    const values = progress.all
      .slice(mark)
      .filter((p) => p.token === end.token)
      .map((p) => p.value);
    expect(values).toEqual([
      {
        kind: 'begin',
        title: 'Reloading base and its dependents',
        cancellable: false,
        message: '0 of 2',
        percentage: 0,
      },
      { kind: 'report', message: 'base ✓ (1 of 2)', percentage: 50 },
      { kind: 'report', message: 'uses-base ✓ (2 of 2)', percentage: 100 },
      { kind: 'end', message: '2 of 2 active' },
    ]);
  });

  it('logs every load as window/logMessage', () => {
    expect(
      logged.all.filter((m) => /^\[p\d+\] loaded generation 1 in /.test(m.message)),
    ).toHaveLength(MANY);
  });

  it('shows a syntax error once, as a Warning (the old generation runs on) naming the file and the line', async () => {
    const mark = shown.mark;
    const lines = original.split('\n');
    const line = lines.findIndex((l) => l.includes('state.count += 1;')) + 1;
    await editFile(source, original.replace('state.count += 1;', 'state.count += ;'));
    const failed = await daemon.reloads.waitFor((r) => r.id === 'stateful' && !r.ok);
    expect(failed.error?.code).toBe('RELOADD_BUILD_FAILED');
    const message = await shown.waitFor((m) => m.message.includes('stateful'), { from: mark });
    expect(message.type).toBe(2);
    expect(message.message).toContain(`stateful/index.js:${line}: `);
    expect(message.message).toContain('generation 1 keeps running');
    expect(message.message).not.toContain('\n');
    // Whatever came of that save was sent before this answer.
    await daemon.client.request(PluginList, {});
    expect(shown.all.slice(mark)).toEqual([message]);
  });

  it('sends a client that joins the diagnostics that stand, per file, as LSP puts them', async () => {
    const info = await daemonInfo(dir);
    const late = await connectWebSocket({ url: info.url, token: info.token });
    others.push(late);
    const documents = NotificationLog.of(late, TextDocumentPublishDiagnostics);
    await late.initialize('late-editor', { textDocument: { publishDiagnostics: {} } });
    const uri = pathToFileURL(source).href;
    const shown = await documents.waitFor((d) => d.uri === uri);
    const line = original.split('\n').findIndex((l) => l.includes('state.count += 1;'));
    expect(shown.diagnostics).toEqual([
      {
        range: { start: { line, character: expect.any(Number) }, end: expect.any(Object) },
        severity: 1,
        code: 'RELOADD_BUILD_FAILED',
        source: 'reloadd',
        message: expect.stringMatching(/^stateful: /),
      },
    ]);
  });

  it('runs the action a client that asked for buttons picks', async () => {
    const info = await daemonInfo(dir);
    const other = await connectWebSocket({ url: info.url, token: info.token });
    others.push(other);
    const asked: { message: string; actions?: { title: string }[] }[] = [];
    const answers = ['Reload again', 'Show diagnostics', 'Disable plugin'];
    const opened: unknown[] = [];
    other.connection.onRequest(ShowDocument.method, (params: unknown) => {
      opened.push(params);
      return { success: true };
    });
    const otherLog = NotificationLog.of(other, LogMessage);
    other.connection.onRequest(ShowMessageRequest.method, (params: unknown) => {
      asked.push(params as (typeof asked)[number]);
      const title = answers.shift();
      return title ? { title } : null;
    });
    const statuses = NotificationLog.of(other, DidChangeStatus);
    const reloads = NotificationLog.of(other, DidReload);
    await other.initialize(
      'editor-with-buttons',
      { window: { showMessage: {}, showDocument: { support: true } } },
      { messageActions: true },
    );
    await editFile(source, original.replace('state.count += 1;', 'state.count += 1 +;'));
    // "Reload again": a reload at this client's request, which fails again and asks again.
    const again = await reloads.waitFor((r) => r.id === 'stateful' && r.trigger === 'request');
    expect(again.ok).toBe(false);
    expect(again.requestedBy?.name).toBe('editor-with-buttons');
    // "Show diagnostics": each to the log with its code frame, the first opened where it is.
    await otherLog.waitFor((m) => m.message.includes('(RELOADD_BUILD_FAILED)\n'));
    await expect.poll(() => opened.length).toBe(1);
    expect(opened[0]).toMatchObject({
      uri: pathToFileURL(source).href,
      takeFocus: true,
      selection: { start: { line: expect.any(Number) } },
    });
    // "Disable plugin", for the next failure.
    await editFile(source, original.replace('state.count += 1;', 'state.count += 2 +;'));
    await statuses.waitFor((s) => s.id === 'stateful' && s.status === 'disabled');
    expect(asked[0]?.actions?.map((a) => a.title)).toEqual([
      'Reload again',
      'Show diagnostics',
      'Disable plugin',
    ]);
    expect(asked[0]?.message).toMatch(
      /^reloadd: stateful failed to reload: stateful\/index\.js:\d+: /,
    );
    expect(asked).toHaveLength(3);
  });

  it("takes each client's initializationOptions: notifications off, or successes shown too", async () => {
    const info = await daemonInfo(dir);
    const connect = async (options: { notifications?: boolean; notifySuccess?: boolean }) => {
      const client = await connectWebSocket({ url: info.url, token: info.token });
      others.push(client);
      const messages = NotificationLog.of(client, ShowMessage);
      await client.initialize('options-test', { window: {} }, options);
      return messages;
    };
    const quiet = await connect({ notifications: false });
    const told = await connect({ notifySuccess: true });
    const mark = daemon.reloads.mark;
    await editFile(path.join(dir, 'p1.js'), 'export function activate( {\n');
    await daemon.reloads.waitFor((r) => r.id === 'p1' && !r.ok, { from: mark });
    await editFile(path.join(dir, 'p1.js'), 'export function activate() {} // fixed\n');
    await daemon.reloads.waitFor((r) => r.id === 'p1' && r.ok, { from: mark });
    const success = await told.waitFor((m) => m.message.startsWith('reloadd: p1 reloaded'));
    expect(success.type).toBe(3);
    expect(told.all.map((m) => m.type)).toEqual([2, 3]);
    await daemon.client.request(PluginList, {});
    expect(quiet.all).toEqual([]);
    // The daemon's default: the failure, and no message for the success.
    expect(shown.all.filter((m) => m.message.includes('p1')).map((m) => m.type)).toEqual([2]);
  });

  it('reports a reload of all on the token its request gave, and stops it when cancelled', async () => {
    const info = await daemonInfo(dir);
    const cli = await connectWebSocket({ url: info.url, token: info.token });
    others.push(cli);
    const own = NotificationLog.of(cli, Progress);
    await cli.initialize('script');
    const before = (await cli.request(PluginList, {})).plugins;
    const reloading = cli.request(PluginReload, { all: true, workDoneToken: 'mine' });
    // The begin says it can be cancelled; a cancel after the first plugin stops the rest.
    await own.waitFor((p) => p.value.kind === 'report');
    await cli.notify(WorkDoneProgressCancel, { token: 'mine' });
    const { results } = await reloading;
    const values = own.all.map((p) => p.value);
    expect(own.all.every((p) => p.token === 'mine')).toBe(true);
    expect(values[0]).toMatchObject({
      kind: 'begin',
      title: 'Reloading all plugins',
      cancellable: true,
    });
    expect(values.at(-1)).toMatchObject({
      kind: 'end',
      message: expect.stringMatching(/^cancelled: /),
    });
    const cancelled = results.filter((r) => r.error?.code === 'RELOADD_CANCELLED');
    expect(cancelled.length).toBeGreaterThan(0);
    // A cancelled plugin still runs the generation it ran.
    const { plugins } = await cli.request(PluginList, {});
    for (const r of cancelled) {
      const was = before.find((p) => p.id === r.id);
      expect(plugins.find((p) => p.id === r.id)).toMatchObject({
        status: was?.status,
        generation: was?.generation,
      });
    }
  });
});
