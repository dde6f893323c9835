import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-jsonrpc';
import {
  ErrorCodes,
  PluginExecuteCommand,
  PluginGetState,
  PluginList,
} from '../../../src/protocol/index.js';
import { startDaemon } from '../../helpers/daemonProcess.js';
import { copyFixture, editFile, tempDir } from '../../helpers/files.js';
import { CLI_PATH } from '../../helpers/paths.js';

const run = promisify(execFile);

function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the daemon as a process over stdio', () => {
  it("keeps what plugin hosts write to stdout out of the protocol's stream, in the log instead", async () => {
    const dir = await tempDir();
    // Round the realm's guard to the real process: its stdout, in a worker host and in a process.
    const body = `Buffer.constructor('return process')().stdout.write('Content-Length: 2\\r\\n\\r\\n{}'); return 'written';`;
    await editFile(
      path.join(dir, 'loud.js'),
      `export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('loud.go', () => { ${body} })); }`,
    );
    await editFile(
      path.join(dir, 'loudproc', 'plugin.json'),
      JSON.stringify({ id: 'loudproc', isolation: 'process' }),
    );
    await editFile(
      path.join(dir, 'loudproc', 'index.js'),
      `export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('loudproc.go', () => { ${body} })); }`,
    );
    const daemon = await startDaemon(dir, { expectPlugins: 2 });
    for (const command of ['loud.go', 'loudproc.go'])
      expect(await daemon.client.request(PluginExecuteCommand, { command })).toBe('written');
    // The stream still frames the next answer, and the log has what the hosts wrote.
    expect((await daemon.client.request(PluginList, {})).plugins).toHaveLength(2);
    await expect
      .poll(() => daemon.stderr().match(/plugin host \S+: Content-Length: 2/g)?.length ?? 0)
      .toBe(2);
    expect(await daemon.stop()).toBe(0);
  });

  it("gives a plugin with permissions no way to the daemon's token, even with its folder granted", async () => {
    const workspace = await tempDir();
    const dir = path.join(workspace, 'plugins');
    // The plugin reads what its command is given: the test says where the token is, once known.
    const reader = `const fs = require('fs');
export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register(ctx.id + '.read', (file) => fs.readFileSync(file, 'utf8'))); }`;
    await editFile(
      path.join(dir, 'nosy', 'plugin.json'),
      JSON.stringify({ id: 'nosy', permissions: { fs: { read: ['.'] } } }),
    );
    await editFile(path.join(dir, 'nosy', 'index.js'), reader);
    // One whose grants cover the token's folder: it is hidden from its jail all the same.
    await editFile(
      path.join(dir, 'greedy', 'plugin.json'),
      JSON.stringify({ id: 'greedy', permissions: { fs: { read: ['/'] } } }),
    );
    await editFile(path.join(dir, 'greedy', 'index.js'), reader);
    const daemon = await startDaemon(dir, { expectPlugins: 2, workspace });
    const { tokenFile } = JSON.parse(
      await readFile(path.join(workspace, '.reloadd', 'daemon.json'), 'utf8'),
    ) as { tokenFile: string };
    const read = (command: string) =>
      daemon.client
        .request(PluginExecuteCommand, { command, args: [tokenFile] })
        .catch((e: ResponseError<unknown>) => `refused: ${e.message}`);
    expect(await read('nosy.read')).toMatch(
      new RegExp(
        `refused: .*was denied FileSystemRead of ${tokenFile.replaceAll('.', '\\.')} by its permissions`,
      ),
    );
    expect(await read('greedy.read')).toMatch(/refused: .*ENOENT/);
    expect(await daemon.stop()).toBe(0);
  });

  it('refuses a request before initialize and answers bad params with -32602', async () => {
    const dir = await tempDir();
    await copyFixture('stateful', dir);
    const daemon = await startDaemon(dir, { initialize: false });
    const early = await daemon.client
      .request(PluginList, {})
      .catch((e: ResponseError<unknown>) => e);
    expect(early).toMatchObject({ code: ErrorCodes.ServerNotInitialized });
    await daemon.client.initialize('process-test');
    const bad = await daemon.client
      .request(PluginGetState, { id: ['x'] } as never)
      .catch((e: ResponseError<unknown>) => e);
    expect(bad).toBeInstanceOf(ResponseError);
    expect(bad).toMatchObject({ code: ErrorCodes.InvalidParams });
    expect((bad as ResponseError<unknown>).message).toContain(
      'id: Invalid input: expected string, received array',
    );
    expect(await daemon.stop()).toBe(0);
    expect(isRunning(daemon.child.pid)).toBe(false);
  });

  it('exits with 1 on exit without shutdown, and when its editor goes away', async () => {
    const dir = await tempDir();
    const first = await startDaemon(dir);
    await first.client.connection.sendNotification('exit');
    expect(await first.exited).toBe(1);

    const second = await startDaemon(dir);
    second.child.stdin?.end();
    expect(await second.exited).toBe(1);
    expect(isRunning(second.child.pid)).toBe(false);
  });

  it('keeps stdout for the protocol: logs go to stderr', async () => {
    const dir = await tempDir();
    await copyFixture('stateful', dir);
    const daemon = await startDaemon(dir, { expectPlugins: 1 });
    expect(daemon.stderr()).toContain('"msg":"loaded generation 1');
    expect(await daemon.stop()).toBe(0);
  });
});

describe('bad input on the wire', () => {
  /** Reads LSP frames from a stream, as JSON values, in order. */
  function frames(stream: NodeJS.ReadableStream): () => Promise<unknown> {
    let buffer = Buffer.alloc(0);
    const parsed: unknown[] = [];
    let wake: (() => void) | undefined;
    stream.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const headerEnd = buffer.indexOf('\r\n\r\n');
        if (headerEnd < 0) break;
        const length = Number(
          /Content-Length: (\d+)/.exec(buffer.subarray(0, headerEnd).toString())?.[1],
        );
        if (buffer.length < headerEnd + 4 + length) break;
        parsed.push(JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()));
        buffer = buffer.subarray(headerEnd + 4 + length);
      }
      wake?.();
    });
    return async () => {
      while (parsed.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return parsed.shift();
    };
  }
  const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('answers a frame that is not JSON with -32700 and a batch with -32600, and keeps serving', async () => {
    const dir = await tempDir();
    const daemon = await startDaemon(dir, { initialize: false });
    // Take over stdout from the client library: this test reads raw frames.
    daemon.client.dispose();
    const next = frames(daemon.child.stdout as NodeJS.ReadableStream);
    const stdin = daemon.child.stdin as NodeJS.WritableStream;
    stdin.write(frame('{"jsonrpc": "2.0", "id": 1, "method": '));
    expect(await next()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: ErrorCodes.ParseError },
    });
    stdin.write(frame('[{"jsonrpc":"2.0","id":2,"method":"daemon/status"}]'));
    expect(await next()).toMatchObject({
      id: null,
      error: {
        code: ErrorCodes.InvalidRequest,
        message: 'batches are not supported: send one message per frame',
      },
    });
    stdin.write(frame('{"jsonrpc":"2.0","id":3,"method":"initialize","params":{}}'));
    expect(await next()).toMatchObject({ id: 3, result: { serverInfo: { name: 'reloadd' } } });
    stdin.end();
    expect(await daemon.exited).toBe(1);
  });
});

describe('the command line', () => {
  it('prints help a person can read', async () => {
    const { stdout } = await run(process.execPath, [CLI_PATH, 'serve', '--help']);
    expect(stdout).toContain('Usage: reloadd serve [options]');
    expect(stdout).toContain('--state-dir <dir>');
    expect(stdout).toContain('Examples:');
  });

  it('exits with 2 on a usage error and says what is wrong', async () => {
    const dir = await tempDir();
    const missing = await run(process.execPath, [
      CLI_PATH,
      'serve',
      '--plugins',
      path.join(dir, 'nope'),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 2 });
    expect((missing as { stderr: string }).stderr).toContain('does not exist');
    await editFile(path.join(dir, 'conf.json'), '{ "plugins": 3 }');
    const badConfig = await run(process.execPath, [
      CLI_PATH,
      'serve',
      '--config',
      path.join(dir, 'conf.json'),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(badConfig).toMatchObject({ code: 2 });
    expect((badConfig as { stderr: string }).stderr).toContain(
      `${path.join(dir, 'conf.json')}:1: plugins must be a non-empty string, not 3`,
    );
  });
});
