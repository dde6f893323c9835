import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { sessionCookieName, WEBSOCKET_PATH } from '../../protocol/index.js';
import type { Logger } from '../logs/logger.js';
import { type AccessPolicy, hostForUrl, ownHosts, ownOrigins } from './accessPolicy.js';
import type { DashboardSessions } from './DashboardSessions.js';
import { decideRoute, type PageRoute, type Route, RPC_ROUTE } from './routes.js';

/** A peer that has not answered a ping by the next one is gone (a dead peer sends no FIN). */
const HEARTBEAT_MS = 15_000;
/** How long a client gets to answer a close before its socket is dropped. */
const CLOSE_GRACE_MS = 1_000;

export interface ListenOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  maxPayloadBytes: number;
  logger: Logger;
  /** A client passed the token and origin checks. */
  onClient(socket: WebSocket, request: IncomingMessage): void;
  /** Plain HTTP resources beside the JSON-RPC endpoint: the dashboard's page and files. */
  pages?: readonly PageRoute[];
  /** Dashboard sessions, admitted by their cookie as a client is by the token. */
  sessions?: DashboardSessions;
}

/**
 * The daemon's port: an HTTP server with its route table (routes.ts: the WebSocket endpoint at
 * /rpc, and any pages), every request decided there before anything else happens. An upgrade is
 * checked (target, Host, path, token, origin) before a WebSocket exists; a refused one gets a
 * plain HTTP status and the socket is closed, on both sides.
 */
export class NetworkListener {
  /** 256 random bits: the key to this daemon, published only in the 0600 discovery file. */
  readonly token = randomBytes(32).toString('base64url');
  private readonly http: Server;
  private readonly sockets: WebSocketServer;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();
  private policy: AccessPolicy | undefined;
  private address: AddressInfo | undefined;
  private readonly routes: readonly Route[];

  private constructor(private readonly options: ListenOptions) {
    this.routes = [RPC_ROUTE, ...(options.pages ?? [])];
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
    this.http = createServer((request, response) => this.serve(request, response));
    this.http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  static async listen(options: ListenOptions): Promise<NetworkListener> {
    const listener = new NetworkListener(options);
    await new Promise<void>((resolve, reject) => {
      listener.http.once('error', reject);
      listener.http.listen(options.port, options.host, () => {
        listener.http.off('error', reject);
        resolve();
      });
    });
    listener.address = listener.http.address() as AddressInfo;
    listener.policy = {
      token: listener.token,
      allowedHosts: ownHosts(options.host, listener.address.port),
      allowedOrigins: ownOrigins(options.host, listener.address.port),
      ...(options.sessions
        ? {
            sessions: options.sessions,
            codes: options.sessions.codes,
            cookieName: sessionCookieName(listener.address.port),
          }
        : {}),
    };
    return listener;
  }

  get port(): number {
    return this.address?.port ?? 0;
  }

  /** `ws://127.0.0.1:PORT/rpc`: no token in it, so it can be logged. */
  get url(): string {
    return `ws://${hostForUrl(this.options.host)}:${this.port}${WEBSOCKET_PATH}`;
  }

  /** Stops listening and closes every client's socket. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const client of this.sockets.clients) client.close(1001, 'the daemon is stopping');
    // A client that is not reading never completes the closing handshake; ws would wait 30 s.
    const stragglers = setTimeout(() => {
      for (const client of this.sockets.clients) client.terminate();
    }, CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    clearTimeout(stragglers);
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    try {
      const decision = this.decide(request, 'page');
      if (decision.allow) {
        decision.route.serve(request, response, decision.admission);
        return;
      }
      const body =
        decision.status === 404
          ? `reloadd: nothing at this path; the dashboard is at /, JSON-RPC is a WebSocket at ${WEBSOCKET_PATH}\n`
          : `${decision.reason}\n`;
      response.writeHead(decision.status, {
        'content-type': 'text/plain; charset=utf-8',
        ...(decision.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
        // A request that cannot be read, or was not meant for this daemon: nothing more on it.
        ...(decision.status === 400 || decision.status === 403 ? { connection: 'close' } : {}),
      });
      response.end(body);
    } catch (error) {
      this.options.logger.error({ err: error }, 'a bug in reloadd: serving a request threw');
      if (!response.headersSent) response.writeHead(500, { connection: 'close' });
      response.end();
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) =>
      this.options.logger.debug({ err: error }, 'upgrade socket error'),
    );
    try {
      const decision = this.decide(request, 'websocket');
      if (!decision.allow) {
        this.options.logger.warn(
          {
            status: decision.status,
            origin: request.headers.origin,
            host: request.headers.host,
            peer: request.socket.remoteAddress,
          },
          `refused a WebSocket connection: ${decision.reason}`,
        );
        refuseUpgrade(socket, decision.status, decision.reason);
        return;
      }
      this.sockets.handleUpgrade(request, socket, head, (client) => {
        this.alive.add(client);
        client.on('pong', () => this.alive.add(client));
        this.options.onClient(client, request);
      });
    } catch (error) {
      this.options.logger.error({ err: error }, 'a bug in reloadd: an upgrade threw');
      socket.destroy();
    }
  }

  private decide<K extends Route['kind']>(request: IncomingMessage, kind: K) {
    if (!this.policy) return { allow: false, status: 404, reason: 'not listening yet' } as const;
    return decideRoute(request, kind, this.routes, this.policy);
  }

  private ping(): void {
    for (const client of this.sockets.clients) {
      if (!this.alive.has(client)) {
        this.options.logger.warn('a WebSocket client stopped answering pings; disconnecting it');
        client.terminate();
        continue;
      }
      this.alive.delete(client);
      client.ping();
    }
  }
}

/**
 * A plain HTTP refusal on a socket the HTTP server has let go of (an upgrade), then the socket
 * closed on both sides once it is written, whatever the client does with its own: a client that
 * never closes would otherwise keep it, and the daemon's stop, waiting.
 */
function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      (status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
