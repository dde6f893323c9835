import { describe, expect, it } from 'vitest';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import {
  DaemonStatus,
  DashboardOpenCode,
  EditorEvent,
  ErrorCodes,
  Initialize,
  PluginExecuteCommand,
  PluginGetState,
  PluginList,
  PluginReload,
  ReloaddErrorCodes,
  requests,
  Shutdown,
} from '../../../src/protocol/index.js';
import { copyFixture, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';

async function rpcError(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ResponseError))
    throw new Error(`expected a JSON-RPC error, got ${String(error)}`);
  return error;
}

async function withCommands() {
  const dir = await tempDir();
  await copyFixture('commands.js', dir);
  return connectInMemory(dir, { expectPlugins: 1 });
}

describe('LSP lifecycle', () => {
  it('refuses requests before initialize with -32002', async () => {
    const { client } = await connectInMemory(await tempDir(), { initialize: false });
    const error = await rpcError(client.request(PluginList, {}));
    expect(error.code).toBe(ErrorCodes.ServerNotInitialized);
    expect(error.message).toContain('initialize');
  });

  it('answers initialize with server info, protocol version and every method', async () => {
    const { client } = await connectInMemory(await tempDir(), { initialize: false });
    const result = await client.request(Initialize, { processId: null, capabilities: {} });
    expect(result.serverInfo.name).toBe('reloadd');
    expect(result.protocolVersion).toBe('1.0');
    expect(result.capabilities.requests.sort()).toEqual(requests.map((r) => r.method).sort());
    expect(result.capabilities.notifications).toEqual([
      'plugin/didReload',
      'plugin/publishDiagnostics',
      'plugin/didChangeStatus',
      'log/entry',
      'window/showMessage',
      'window/logMessage',
      '$/progress',
      'textDocument/publishDiagnostics',
    ]);
    // LSP's: an LSP client sends its saves (textDocument/didSave), and nothing else of documents.
    expect(result.capabilities.textDocumentSync).toEqual({
      openClose: false,
      change: 0,
      save: { includeText: false },
    });
    const again = await rpcError(client.request(Initialize, {}));
    expect(again.code).toBe(ErrorCodes.InvalidRequest);
  });

  it('refuses requests after shutdown with -32600, and exit then means code 0', async () => {
    const { client, exits } = await connectInMemory(await tempDir());
    await client.request(Shutdown, null);
    const error = await rpcError(client.request(DaemonStatus, {}));
    expect(error.code).toBe(ErrorCodes.InvalidRequest);
    await client.connection.sendNotification('exit');
    await expect.poll(() => exits).toEqual([0]);
  });

  it('exit without shutdown means code 1', async () => {
    const { client, exits } = await connectInMemory(await tempDir());
    await client.connection.sendNotification('exit');
    await expect.poll(() => exits).toEqual([1]);
  });
});

describe('LSP lifecycle, continued', () => {
  it('starts plugins once, however many "initialized" arrive', async () => {
    const d = await withCommands();
    await d.client.connection.sendNotification('initialized', {});
    // A request after it is answered after the notification was handled.
    await d.client.request(PluginList, {});
    expect(d.initializedCount()).toBe(1);
  });

  it('refuses a client that speaks another major protocol version', async () => {
    const { client } = await connectInMemory(await tempDir(), { initialize: false });
    const error = await rpcError(client.request(Initialize, { protocolVersion: '2.0' }));
    expect(error.code).toBe(ErrorCodes.InvalidRequest);
    expect(error.message).toBe('protocol version 2.0 is not supported: this daemon speaks 1.0');
  });
});

describe('bad input', () => {
  it("answers invalid params with -32602 and zod's message", async () => {
    const { client } = await withCommands();
    const none = await rpcError(client.request(PluginReload, {} as never));
    expect(none.code).toBe(ErrorCodes.InvalidParams);
    expect(none.message).toContain('exactly one of "id", "ids" or "all"');
    const wrongType = await rpcError(client.request(PluginGetState, { id: 5 } as never));
    expect(wrongType.code).toBe(ErrorCodes.InvalidParams);
    expect(wrongType.message).toMatch(/id: .*expected string/);
    const extra = await rpcError(client.request(PluginReload, { id: 'commands', all: true }));
    expect(extra.code).toBe(ErrorCodes.InvalidParams);
  });

  it('answers an unknown method with -32601', async () => {
    const { client } = await withCommands();
    const error = await rpcError(client.connection.sendRequest('plugin/explode', {}));
    expect(error.code).toBe(ErrorCodes.MethodNotFound);
  });

  it('names unknown plugins and commands with stable codes', async () => {
    const { client } = await withCommands();
    const plugin = await rpcError(client.request(PluginReload, { id: 'nope' }));
    expect(plugin.code).toBe(ErrorCodes.UnknownPlugin);
    expect(plugin.data).toEqual({ code: ReloaddErrorCodes.UnknownPlugin });
    const command = await rpcError(client.request(PluginExecuteCommand, { command: 'nope' }));
    expect(command.code).toBe(ErrorCodes.UnknownCommand);
  });

  it('refuses dashboard/openCode where the daemon serves no dashboard (no port), with 1005', async () => {
    const { client } = await withCommands();
    const error = await rpcError(client.request(DashboardOpenCode, null));
    expect([error.code, error.data, error.message]).toEqual([
      ErrorCodes.NotSupported,
      { code: ReloaddErrorCodes.NoDashboard },
      'the daemon does not listen on a port, so it serves no dashboard (start it with --port)',
    ]);
  });

  it('keeps serving after an invalid notification', async () => {
    const { client } = await withCommands();
    await client.connection.sendNotification('editor/event', { event: 42 });
    const { plugins } = await client.request(PluginList, {});
    expect(plugins).toMatchObject([{ id: 'commands', status: 'active' }]);
  });
});

describe('commands and events', () => {
  it("runs a command with arguments of the plugin's own realm and returns JSON", async () => {
    const { client } = await withCommands();
    expect(
      await client.request(PluginExecuteCommand, {
        command: 'fixture.echo',
        args: [1, { a: [2] }],
      }),
    ).toEqual({
      args: [1, { a: [2] }],
      argsIsArray: true,
    });
    expect(await client.request(PluginExecuteCommand, { command: 'fixture.richValue' })).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      tags: ['x'],
      map: { k: 1 },
    });
  });

  it('turns a throwing command into error 1004 naming the plugin and the line', async () => {
    const { client } = await withCommands();
    const error = await rpcError(
      client.request(PluginExecuteCommand, { command: 'fixture.throw' }),
    );
    expect(error.code).toBe(ErrorCodes.CommandFailed);
    expect(error.message).toMatch(
      /command "fixture.throw" of plugin "commands" threw TypeError: the command refused \(commands\.js:\d+:\d+\)/,
    );
  });

  it("delivers editor/event to the listeners, as objects of the plugin's realm", async () => {
    const { client } = await withCommands();
    await client.notify(EditorEvent, { event: 'buffer:changed', data: { text: 'hello' } });
    await expect
      .poll(() => client.request(PluginExecuteCommand, { command: 'fixture.lastEvent' }))
      .toEqual({ data: { text: 'hello' }, isObject: true });
  });

  it('answers a cancelled request with -32800', async () => {
    const { client } = await withCommands();
    const source = new CancellationTokenSource();
    const pending = client.request(
      PluginExecuteCommand,
      { command: 'fixture.waitForRelease' },
      source.token,
    );
    source.cancel();
    const error = await rpcError(pending);
    expect(error.code).toBe(ErrorCodes.RequestCancelled);
    // The command itself is still waiting; releasing it harms nothing.
    await client.notify(EditorEvent, { event: 'release', data: 1 });
    expect(await client.request(PluginExecuteCommand, { command: 'fixture.echo' })).toEqual({
      args: [],
      argsIsArray: true,
    });
  });
});
