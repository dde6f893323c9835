import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MAX_MESSAGE_DEPTH, PROTOCOL_VERSION } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { spawnCli } from '../../helpers/network.js';
import { framed, pingDaemon, rawStdioDaemon, rawWebSocket } from '../../helpers/rawDaemon.js';

/**
 * No input jams a session or the daemon: what a buggy or hostile client sends gets an answer
 * that says what is wrong (or, where nothing can be answered, is ignored or ends that one
 * session), and SIGTERM always stops the daemon.
 */

async function started() {
  const { daemon, workspace } = await pingDaemon();
  const ws = await rawWebSocket(workspace);
  ws.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: {} });
  await ws.inbox.answer('init');
  return { daemon, ws, workspace };
}

/** A plugin whose `p.wait` answers only once a client sends the editor event `go`. */
const WAITING = `export function activate(ctx) {
  let go = [];
  ctx.subscriptions.push(
    ctx.commands.register('p.wait', (n) => new Promise((resolve) => go.push(() => resolve(n)))),
    ctx.events.on('go', () => { for (const release of go.splice(0)) release(); }),
  );
}`;

/** A raw stdio daemon on the waiting plugin, and a raw WebSocket to it, both initialized. */
async function waiting() {
  const workspace = await tempDir();
  const plugins = await tempDir();
  await editFile(path.join(plugins, 'p.js'), WAITING);
  const daemon = await rawStdioDaemon(plugins, workspace);
  // With reloadd's protocol version, to be told when the plugin is loaded.
  const init = { protocolVersion: PROTOCOL_VERSION };
  daemon.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: init });
  await daemon.inbox.answer('init');
  daemon.send({ jsonrpc: '2.0', method: 'initialized' });
  await daemon.inbox.waitFor((m) => m.method === 'plugin/didReload', { what: 'the first load' });
  await daemon.info();
  const ws = await rawWebSocket(workspace);
  ws.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: {} });
  await ws.inbox.answer('init');
  return { daemon, ws };
}

/** `[[[…]]]`, `levels` deep, written out: JSON.stringify itself would overflow the stack. */
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('bad input', () => {
  it('ignores a $/cancelRequest without a usable id and keeps answering; SIGTERM still stops it', async () => {
    const { daemon, ws } = await started();
    for (const params of [{}, null, { id: null }, { id: [1] }]) {
      daemon.send({ jsonrpc: '2.0', method: '$/cancelRequest', params });
      ws.send({ jsonrpc: '2.0', method: '$/cancelRequest', params });
    }
    daemon.send({ jsonrpc: '2.0', id: 1, method: 'daemon/status' });
    ws.send({ jsonrpc: '2.0', id: 1, method: 'daemon/status' });
    expect(await daemon.inbox.answer(1)).toHaveProperty('result.pid');
    expect(await ws.inbox.answer(1)).toHaveProperty('result.pid');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.stderr()).not.toContain('a bug in reloadd');
  });

  it('answers a request whose id is not a string or a number with -32600 and id null', async () => {
    const { daemon, ws } = await started();
    for (const id of [null, true, { a: 1 }, [1]]) {
      daemon.send({ jsonrpc: '2.0', id, method: 'daemon/status' });
      ws.send({ jsonrpc: '2.0', id, method: 'daemon/status' });
    }
    for (const inbox of [daemon.inbox, ws.inbox]) {
      await inbox.waitFor(
        () => inbox.all.filter((m) => m.id === null && 'error' in m).length === 4,
        { what: 'four -32600 answers' },
      );
      expect(inbox.all.filter((m) => m.id === null)).toEqual(
        Array(4).fill({
          jsonrpc: '2.0',
          id: null,
          error: {
            code: ErrorCodes.InvalidRequest,
            message: 'a request\'s "id" must be a string or a number',
          },
        }),
      );
    }
  });

  it(`refuses params nested deeper than ${MAX_MESSAGE_DEPTH} levels with -32600 that says so, never -32603`, async () => {
    const { daemon, ws } = await started();
    const deep = (id: number, levels: number) =>
      `{"jsonrpc":"2.0","id":${id},"method":"plugin/executeCommand","params":{"command":"p.ping","args":${nested(levels)}}}`;
    daemon.write(framed(deep(2, 6000)));
    ws.sendText(deep(2, 6000));
    daemon.write(framed(deep(3, MAX_MESSAGE_DEPTH - 2)));
    ws.sendText(deep(3, MAX_MESSAGE_DEPTH - 2));
    for (const inbox of [daemon.inbox, ws.inbox]) {
      expect(await inbox.answer(2)).toMatchObject({
        error: {
          code: ErrorCodes.InvalidRequest,
          message: expect.stringContaining(`deeper than ${MAX_MESSAGE_DEPTH} levels`),
        },
      });
      expect(await inbox.answer(3)).toMatchObject({ result: 1 });
    }
  });

  it('answers a request whose id is already in flight with -32600, and the first with its own result', async () => {
    const { daemon, ws } = await waiting();
    const wait = (n: number) => ({
      jsonrpc: '2.0',
      id: 7,
      method: 'plugin/executeCommand',
      params: { command: 'p.wait', args: [n] },
    });
    // Both in one write: the second arrives while the first is still waiting for its answer.
    daemon.write(framed(JSON.stringify(wait(1))) + framed(JSON.stringify(wait(2))));
    ws.send(wait(1));
    ws.send(wait(2));
    for (const inbox of [daemon.inbox, ws.inbox])
      expect(await inbox.answer(7)).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: {
          code: ErrorCodes.InvalidRequest,
          message:
            'a request with id 7 is already in flight on this connection: wait for its answer, or use another id',
        },
      });
    // The event reaches the plugin once whichever connection sends it: one is enough.
    ws.send({ jsonrpc: '2.0', method: 'editor/event', params: { event: 'go' } });
    for (const inbox of [daemon.inbox, ws.inbox])
      expect(await inbox.answer(7)).toMatchObject({ id: 7, result: 1 });
    // Answered, the id is free again.
    daemon.send({ jsonrpc: '2.0', id: 7, method: 'daemon/status' });
    ws.send({ jsonrpc: '2.0', id: 7, method: 'daemon/status' });
    for (const inbox of [daemon.inbox, ws.inbox])
      expect(await inbox.answer(7)).toHaveProperty('result.pid');
  });

  it('answers shutdown with its result, null, even when a $/cancelRequest for it follows at once', async () => {
    const { daemon, ws } = await waiting();
    const shutdown = { jsonrpc: '2.0', id: 'bye', method: 'shutdown' };
    const cancel = { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'bye' } };
    ws.sendText(JSON.stringify(shutdown));
    ws.sendText(JSON.stringify(cancel));
    expect(await ws.inbox.answer('bye')).toEqual({ jsonrpc: '2.0', id: 'bye', result: null });
    // The session did shut down: only exit (and shutdown) are taken now.
    ws.send({ jsonrpc: '2.0', id: 'after', method: 'daemon/status' });
    expect(await ws.inbox.answer('after')).toMatchObject({
      error: { code: ErrorCodes.InvalidRequest, message: expect.stringContaining('shutting down') },
    });
    // The owner's shutdown, which takes a while (every plugin is stopped), in one write with the cancel.
    daemon.write(framed(JSON.stringify(shutdown)) + framed(JSON.stringify(cancel)));
    expect(await daemon.inbox.answer('bye')).toEqual({ jsonrpc: '2.0', id: 'bye', result: null });
    daemon.send({ jsonrpc: '2.0', method: 'exit' });
    expect(await daemon.exited).toBe(0);
  });

  it('closes a WebSocket that sends a text frame of invalid UTF-8 with 1007, as RFC 6455 requires; the others go on', async () => {
    const { daemon, ws, workspace } = await started();
    const closed = new Promise<[number, string]>((resolve) =>
      ws.socket.once('close', (code, reason) => resolve([code, String(reason)])),
    );
    ws.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await closed).toEqual([1007, '']);
    daemon.send({ jsonrpc: '2.0', id: 5, method: 'daemon/status' });
    expect(await daemon.inbox.answer(5)).toHaveProperty('result.pid');
    const other = await rawWebSocket(workspace);
    other.send({ jsonrpc: '2.0', id: 6, method: 'initialize', params: {} });
    expect(await other.inbox.answer(6)).toHaveProperty('result.serverInfo');
    await daemon.stderrLine(
      (line) => line.code === 'WS_ERR_INVALID_UTF8' && line.level === 40,
      'the warning that says why',
    );
  });

  it('reads header lines that end in LF alone', async () => {
    const { daemon } = await started();
    const body = '{"jsonrpc":"2.0","id":4,"method":"daemon/status"}';
    daemon.write(`Content-Length: ${body.length}\n\n${body}`);
    expect(await daemon.inbox.answer(4)).toHaveProperty('result.pid');
  });

  for (const [what, header] of [
    ['a Content-Length over 64 MiB', 'Content-Length: 9000000000000000\r\n\r\n'],
    ['a Content-Length that is not a whole number', 'Content-Length: 51.0\r\n\r\n'],
    ['a header without Content-Length', 'Content-Type: application/json\r\n\r\n'],
  ] as const) {
    it(`ends a stdio session on ${what}, with exit code 1 and a line that says why`, async () => {
      const { daemon } = await started();
      daemon.write(header);
      expect(await daemon.exited).toBe(1);
      expect(daemon.stderr()).toContain("the client's messages cannot be read");
    });
  }

  it('says what it is doing when Ctrl-C stops it at a terminal', async () => {
    const workspace = await tempDir();
    const plugins = await tempDir();
    await editFile(path.join(plugins, 'p.js'), 'export function activate() {}');
    const run = spawnCli(['serve', '--plugins', plugins], { cwd: workspace });
    await expect.poll(() => run.output()).toContain('ready: 1 of 1');
    // It said how to reach it: the CLI, and the line an editor runs.
    expect(run.output()).toMatch(/from another terminal: npx reloadd status, .* logs --follow/);
    expect(run.output()).toMatch(
      /from an editor, sharing this daemon: npx reloadd connect --stdio/,
    );
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('stopping: saving the state of 1 plugin…');
  });
});
