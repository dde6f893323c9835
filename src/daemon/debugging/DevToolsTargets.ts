import { randomUUID } from 'node:crypto';
import http from 'node:http';
import inspector from 'node:inspector';
import type { AddressInfo } from 'node:net';
import WebSocketClient, { type WebSocket, WebSocketServer } from 'ws';
import { devtoolsUrl } from '../../protocol/index.js';
import { hostAllowed, ownHosts } from '../network/accessPolicy.js';
import { workerThreadId } from './InspectorSession.js';

/**
 * The targets' path holds a secret of this run, as Node's own inspector's UUID does: a page the
 * user opens can try ports, but not guess where a host's socket is (it cannot read
 * `/json/list`, another origin's answer).
 */
const TARGET_PATH = `/${randomUUID()}/host/`;

/** A worker host's thread, which the DevTools endpoint serves as a target of its own. */
export interface WorkerThread {
  name: string;
  threadId: number;
  plugins: string[];
}

/** The plugin hosts a debugger can open. */
export interface DebugTargets {
  workers: WorkerThread[];
  processes: ProcessInspector[];
}

/** A process host's inspector, as its host reported it. */
export interface ProcessInspector {
  name: string;
  plugins: string[];
  url: string;
}

/**
 * Chrome DevTools opens a Node process's main thread, never its worker threads (Node's own
 * docs say so, and DevTools' js_app lists none), and every worker host is one. This endpoint
 * serves each worker host as a target of its own, the way a Node process is one: `/json/list`
 * for chrome://inspect's discovery, and a WebSocket per host that carries DevTools' messages to
 * that thread through an in-process inspector session of the connection's own (NodeWorker).
 * VS Code's debugger needs none of it: it attaches to worker threads through the inspector.
 */
export class DevToolsTargets {
  private constructor(
    private readonly server: http.Server,
    private readonly sockets: WebSocketServer,
    readonly host: string,
    readonly port: number,
  ) {}

  static async listen(
    host: string,
    threads: () => WorkerThread[],
    processes: () => ProcessInspector[],
    onError: (error: unknown) => void,
  ): Promise<DevToolsTargets> {
    const sockets = new WebSocketServer({ noServer: true });
    let targets: DevToolsTargets | undefined;
    // A name that resolves to this machine without being meant for it (DNS rebinding) is
    // refused, as on the daemon's own port: only its address and loopback's names, with its port.
    const fromHere = (request: http.IncomingMessage) =>
      targets !== undefined && hostAllowed(request.headers.host, ownHosts(host, targets.port));
    const server = http.createServer((request, response) => {
      if (!fromHere(request)) {
        response.writeHead(403, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: 'this endpoint answers its own address only' }));
        return;
      }
      const list = (targets?.list([...threads(), ...processes()]) ?? []) as unknown[];
      const path = request.url?.split('?')[0];
      const body =
        path === '/json' || path === '/json/list'
          ? list
          : path === '/json/version'
            ? { Browser: 'reloadd', 'Protocol-Version': '1.3' }
            : undefined;
      response.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body ?? { error: 'not found' }));
    });
    server.on('upgrade', (request, socket, head) => {
      if (!fromHere(request)) {
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const known = request.url?.startsWith(TARGET_PATH);
      let name = '';
      try {
        name = decodeURIComponent(request.url?.slice(TARGET_PATH.length) ?? '');
      } catch {
        // Not a name any host has: answered below as unknown.
      }
      const thread = known ? threads().find((t) => t.name === name) : undefined;
      const process = known ? processes().find((p) => p.name === name) : undefined;
      if (!thread && !process) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      sockets.handleUpgrade(request, socket, head, (client) => {
        if (thread) forward(client, thread.threadId, onError);
        else if (process) relay(client, process.url, onError);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    targets = new DevToolsTargets(server, sockets, host, (server.address() as AddressInfo).port);
    return targets;
  }

  /** The WebSocket DevTools opens for one worker host. */
  url(name: string): string {
    return `ws://${this.host}:${this.port}${TARGET_PATH}${encodeURIComponent(name)}`;
  }

  /** What chrome://inspect reads from `/json/list`: one Node target per plugin host. */
  list(hosts: { name: string; plugins: string[]; threadId?: number }[]) {
    return hosts.map((t) => ({
      id: t.name,
      type: 'node',
      title: `reloadd plugin host ${t.name} (${t.plugins.join(', ') || 'no plugins'})`,
      description: `a reloadd plugin host (${t.threadId !== undefined ? 'a worker thread' : 'a process'})`,
      url: 'file://',
      webSocketDebuggerUrl: this.url(t.name),
      devtoolsFrontendUrl: devtoolsUrl(this.url(t.name)),
    }));
  }

  close(): void {
    for (const client of this.sockets.clients) client.terminate();
    this.server.close();
  }
}

/**
 * One DevTools connection to a process host, relayed to the host's own inspector: the same
 * target DevTools could open directly, but with its plugin realms shown as default contexts.
 */
function relay(client: WebSocket, url: string, onError: (error: unknown) => void): void {
  const host = new WebSocketClient(url);
  const waiting: string[] = [];
  host.on('open', () => {
    for (const message of waiting.splice(0)) host.send(message);
  });
  host.on('message', (data) => client.send(asDefaultContext(String(data))));
  host.on('close', () => client.close(1001, 'the plugin host ended'));
  host.on('error', onError);
  client.on('message', (data) => {
    if (host.readyState === WebSocketClient.OPEN) host.send(String(data));
    else waiting.push(String(data));
  });
  client.on('error', onError);
  client.on('close', () => host.close());
}

/**
 * DevTools takes a script of any context but a page's default one for an extension's content
 * script: it ignore-lists it and skips its source map, so the author would see the bundle, not
 * their files. Each generation's realm is a vm context (never the default one); to DevTools it
 * is said to be one. Only what this endpoint sends DevTools is changed.
 */
export function asDefaultContext(message: string): string {
  if (!message.includes('"isDefault":false')) return message;
  const parsed = JSON.parse(message) as {
    method?: string;
    params?: {
      context?: { auxData?: { isDefault?: boolean } };
      executionContextAuxData?: { isDefault?: boolean };
    };
  };
  const aux =
    parsed.method === 'Runtime.executionContextCreated'
      ? parsed.params?.context?.auxData
      : parsed.method === 'Debugger.scriptParsed'
        ? parsed.params?.executionContextAuxData
        : undefined;
  if (!aux) return message;
  aux.isDefault = true;
  return JSON.stringify(parsed);
}

/**
 * One DevTools connection to one worker thread: a session of its own (disconnected with the
 * connection, which takes its breakpoints with it), its messages passed through as they are.
 */
function forward(client: WebSocket, threadId: number, onError: (error: unknown) => void): void {
  const session = new inspector.Session();
  session.connect();
  let workerSession: string | undefined;
  const waiting: string[] = [];
  const post = (message: string) =>
    session.post(
      'NodeWorker.sendMessageToWorker',
      { sessionId: workerSession ?? '', message },
      (error) => error && onError(error),
    );
  session.on('NodeWorker.attachedToWorker', ({ params }) => {
    if (workerSession || workerThreadId(params.workerInfo) !== threadId) return;
    workerSession = params.sessionId;
    for (const message of waiting.splice(0)) post(message);
  });
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    if (params.sessionId === workerSession) client.send(asDefaultContext(params.message));
  });
  session.on('NodeWorker.detachedFromWorker', ({ params }) => {
    if (params.sessionId === workerSession) client.close(1001, 'the plugin host ended');
  });
  session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, (error) => {
    if (error) onError(error);
  });
  client.on('message', (data) => {
    const message = String(data);
    if (workerSession) post(message);
    else waiting.push(message);
  });
  client.on('error', onError);
  client.on('close', () => session.disconnect());
}
