import http from 'node:http';
import net from 'node:net';
import { afterAll } from 'vitest';

const open = new Set<http.Server>();
afterAll(async () => {
  await Promise.all([...open].map((server) => closeServer(server)));
});

/**
 * An HTTP proxy on loopback for a browser (Playwright's context `proxy`), forwarding its requests
 * and WebSocket tunnels to the daemon they name. `cut()` is the network going away under a page:
 * every connection through it ends and new ones are answered 502, while the daemon runs on at the
 * same port with the same token; `restore()` lets them through again.
 */
export interface LinkProxy {
  /** `http://127.0.0.1:PORT`, for `browser.newContext({ proxy: { server } })`. */
  server: string;
  cut(): void;
  restore(): void;
}

export async function startLinkProxy(): Promise<LinkProxy> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = http.createServer((request, response) => {
    const target = new URL(request.url ?? '/');
    if (cut || !isLoopback(target.hostname)) {
      response.writeHead(502).end();
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('socket', track);
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  server.on('connection', track);
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const [host = '', port = ''] = (request.url ?? '').split(/:(?=\d+$)/);
    if (cut || !isLoopback(host)) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    const end = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.add(server);
  const { port } = server.address() as net.AddressInfo;
  return {
    server: `http://127.0.0.1:${port}`,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
  };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
