import { createMessageConnection } from 'vscode-jsonrpc';
import type WebSocket from 'ws';
import { webSocketTransport } from '../transport/index.js';
import { type DaemonEndpoint, NoDaemonError } from './findDaemon.js';
import { ReloaddClient } from './ReloaddClient.js';

/**
 * Opens a WebSocket to a daemon and a JSON-RPC connection over it (not yet initialized).
 */
export async function connectWebSocket(
  endpoint: DaemonEndpoint,
  options: { timeoutMs?: number } = {},
): Promise<ReloaddClient> {
  const socket = await openDaemonSocket(endpoint, options);
  const { reader, writer } = webSocketTransport(socket);
  const connection = createMessageConnection(reader, writer);
  connection.listen();
  return new ReloaddClient(connection, {
    closeTransport: () => socket.close(),
    processId: process.pid,
  });
}

/**
 * The daemon's WebSocket, open. The token goes in the Authorization header, never in a URL that
 * could end up in a log. A refusal (401, 403) or an unreachable port rejects with NoDaemonError,
 * saying which.
 */
export async function openDaemonSocket(
  endpoint: DaemonEndpoint,
  options: { timeoutMs?: number } = {},
): Promise<WebSocket> {
  // Loaded when a socket is opened: the CLI's commands that never open one (serve under an
  // editor, new, verify) start without it.
  const { default: WebSocketClient } = await import('ws');
  const socket = new WebSocketClient(endpoint.url, {
    headers: { authorization: `Bearer ${endpoint.token}` },
    handshakeTimeout: options.timeoutMs ?? 5_000,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        request.destroy();
        reject(
          new NoDaemonError(
            `the daemon at ${endpoint.url} refused the connection: HTTP ${response.statusCode} ${body.trim()}${endpoint.file ? ` (token from ${endpoint.file})` : ''}`,
          ),
        );
      });
    });
    socket.once('error', (error) =>
      reject(new NoDaemonError(`cannot reach the daemon at ${endpoint.url}: ${error.message}`)),
    );
  });
  // After the handshake, errors arrive through the reader; the listener keeps ws from throwing.
  socket.on('error', () => undefined);
  return socket;
}
