import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { Message } from 'vscode-jsonrpc';
import { StreamMessageReader } from 'vscode-jsonrpc/node';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { collectOutput } from './childOutput.js';
import { editFile, tempDir } from './files.js';
import { NotificationLog } from './NotificationLog.js';
import { daemonInfo } from './network.js';
import { CLI_PATH } from './paths.js';
import { EVENT_WAIT_MS } from './waits.js';

const spawned = new Set<ChildProcess>();
const sockets = new Set<WebSocket>();
afterAll(() => {
  for (const socket of sockets) socket.terminate();
  for (const child of spawned) child.kill('SIGKILL');
});

/** Every message received, answers as well as notifications, and a way to wait for one. */
export class Inbox extends NotificationLog<Record<string, unknown>> {
  override push(message: unknown): void {
    const m = message as Record<string, unknown>;
    // A long run keeps what it waits for (answers), not every notification it was sent.
    if ('method' in m && this.all.length > 2000) return;
    super.push(m);
  }

  /** The answer to request `id` (taken out of the inbox when the id is not null). */
  async answer(id: string | number | null): Promise<Record<string, unknown>> {
    const found = await this.waitFor((m) => m.id === id && !('method' in m), {
      what: `an answer to ${String(id)}`,
    });
    if (id !== null) this.all.splice(this.all.indexOf(found), 1);
    return found;
  }
}

/** LSP framing of a message body. */
export function framed(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * The built daemon under an editor that writes whatever bytes it likes to its stdin (the daemon's
 * own framing is trusted, and read with vscode-jsonrpc). It also listens on a loopback port.
 */
export async function rawStdioDaemon(
  pluginsDir: string,
  workspace: string,
  options: { args?: string[] } = {},
) {
  const child = spawn(
    process.execPath,
    [
      CLI_PATH,
      'serve',
      '--stdio',
      '--plugins',
      pluginsDir,
      '--port',
      '0',
      '--workspace',
      workspace,
      ...(options.args ?? []),
    ],
    { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  spawned.add(child);
  const output = collectOutput(child);
  const inbox = new Inbox();
  new StreamMessageReader(child.stdout).listen((message: Message) => inbox.push(message));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      spawned.delete(child);
      resolve(code);
    }),
  );
  const write = (bytes: string) => child.stdin.write(bytes);
  return {
    child,
    inbox,
    exited,
    stderr: output.stderr,
    /** The first line the daemon writes to stderr (JSON) that matches, parsed. */
    stderrLine: (matches: (line: Record<string, unknown>) => boolean, what: string) =>
      waitForLine(child, output.stderr, matches, what),
    write,
    send: (message: unknown) => write(framed(JSON.stringify(message))),
    info: () => daemonInfo(workspace, { pid: child.pid as number }),
  };
}

/** The JSON lines a process wrote to stderr so far, parsed; lines that are not JSON are left out. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

function waitForLine(
  child: ChildProcess,
  written: () => string,
  matches: (line: Record<string, unknown>) => boolean,
  what: string,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = jsonLines(written()).find(matches);
      if (!found) return;
      clear();
      resolve(found);
    };
    const timer = setTimeout(() => {
      clear();
      reject(new Error(`timed out waiting for ${what} on stderr; it wrote:\n${written()}`));
    }, EVENT_WAIT_MS);
    const clear = () => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
    };
    // After collectOutput's own listener: what it has collected includes this chunk.
    const onData = () => look();
    child.stderr?.on('data', onData);
    look();
  });
}

/**
 * An LSP client as an editor's own is, over raw messages: it answers what the daemon asks
 * (`answer`, by default null: a dismissed prompt, a created progress token) and keeps each
 * question in `asked`.
 */
export function lspPeer(
  connection: { inbox: Inbox; send(message: unknown): void },
  answer: (request: Record<string, unknown>) => unknown = () => null,
) {
  const asked: Record<string, unknown>[] = [];
  const { inbox } = connection;
  const push = inbox.push.bind(inbox);
  inbox.push = (message: unknown) => {
    const m = message as Record<string, unknown>;
    if ('method' in m && 'id' in m) {
      asked.push(m);
      connection.send({ jsonrpc: '2.0', id: m.id, result: answer(m) });
    }
    push(message);
  };
  let next = 0;
  return {
    inbox,
    asked,
    notify: (method: string, params: unknown = {}) =>
      connection.send({ jsonrpc: '2.0', method, params }),
    /** The whole answer: `result` or `error`. */
    request: async (method: string, params: unknown = {}) => {
      const id = `peer-${++next}`;
      connection.send({ jsonrpc: '2.0', id, method, params });
      return inbox.answer(id);
    },
    /** The notifications received so far with this method, their params. */
    received: (method: string) =>
      inbox.all.filter((m) => m.method === method && !('id' in m)).map((m) => m.params),
    waitFor: (method: string, matches: (params: Record<string, unknown>) => boolean = () => true) =>
      inbox
        .waitFor((m) => m.method === method && matches(m.params as Record<string, unknown>), {
          what: method,
        })
        .then((m) => m.params as Record<string, unknown>),
  };
}

/** A WebSocket to the daemon serving `workspace` that sends raw text frames. */
export async function rawWebSocket(workspace: string) {
  const info = await daemonInfo(workspace);
  const socket = new WebSocket(info.url, { headers: { authorization: `Bearer ${info.token}` } });
  sockets.add(socket);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const inbox = new Inbox();
  socket.on('message', (data) => inbox.push(JSON.parse(String(data))));
  return {
    socket,
    inbox,
    sendText: (text: string) => socket.send(text),
    send: (message: unknown) => socket.send(JSON.stringify(message)),
  };
}

/** A plugin with one command, `p.ping`, that answers how many arguments it got. */
const PING = `export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('p.ping', (...args) => args.length));
}`;

/** A raw stdio daemon on the ping plugin, initialized, its plugin loaded. */
export async function pingDaemon() {
  const workspace = await tempDir();
  const plugins = await tempDir();
  await editFile(path.join(plugins, 'p.js'), PING);
  const daemon = await rawStdioDaemon(plugins, workspace);
  // With reloadd's protocol version: a client that speaks it gets plugin/didReload.
  daemon.send({
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION },
  });
  await daemon.inbox.answer('init');
  daemon.send({ jsonrpc: '2.0', method: 'initialized' });
  await daemon.inbox.waitFor((m) => m.method === 'plugin/didReload', { what: 'the first load' });
  await daemon.info();
  return { daemon, workspace, plugins };
}
