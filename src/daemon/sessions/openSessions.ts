import type { IncomingMessage } from 'node:http';
import { StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { WebSocket } from 'ws';
import {
  EXIT_WITHOUT_SHUTDOWN,
  LspMessageReader,
  webSocketTransport,
} from '../../transport/index.js';
import type { Logger } from '../logs/logger.js';
import { ClientSession, type ServerContext, type SessionHooks } from './ClientSession.js';
import { createServerConnection } from './serverConnection.js';

export interface SessionSettings {
  logger: Logger;
  version: string;
}

/** The editor that spawned the daemon, on stdin/stdout: it owns the daemon's lifetime. */
export function openStdioSession(
  context: ServerContext,
  settings: SessionSettings,
  hooks: SessionHooks,
): void {
  const connection = createServerConnection(
    {
      reader: new LspMessageReader(process.stdin),
      writer: new StreamMessageWriter(process.stdout),
    },
    settings.logger,
  );
  new ClientSession(connection, context, {
    ...settings,
    transport: 'stdio',
    owner: true,
    hooks,
  });
  connection.listen();
}

/**
 * A WebSocket client (a dashboard, CI, a bridged editor, a log tail). Its `exit` closes its
 * socket and nothing else. It may fall `maxBacklogBytes` behind; past that it is disconnected, so
 * a client that stops reading cannot make the daemon hold an ever-growing queue for it.
 */
export function openWebSocketSession(
  socket: WebSocket,
  request: IncomingMessage,
  context: ServerContext,
  settings: SessionSettings & { maxBacklogBytes: number },
): void {
  const { logger } = settings;
  const peer = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
  let dropped = false;
  const transport = webSocketTransport(socket, {
    maxBacklogBytes: settings.maxBacklogBytes,
    onBacklog: (bytes) => {
      if (dropped) return;
      dropped = true;
      logger.warn(
        { peer, bufferedBytes: bytes, limit: settings.maxBacklogBytes },
        `a WebSocket client (${peer}) stopped reading: ${bytes} bytes waiting for it, over the ${settings.maxBacklogBytes} limit; disconnecting it`,
      );
      socket.terminate();
    },
  });
  // A client's protocol error (too big a message, a bad frame): its own connection closes.
  socket.on('error', (error) =>
    logger.warn(
      { peer, code: (error as NodeJS.ErrnoException).code },
      `closing a WebSocket client (${peer}): ${error.message}`,
    ),
  );
  const connection = createServerConnection(transport, logger);
  new ClientSession(connection, context, {
    logger,
    version: settings.version,
    transport: 'websocket',
    owner: false,
    hooks: {
      onExit: (code) => socket.close(1000, code === 0 ? 'exit' : EXIT_WITHOUT_SHUTDOWN),
    },
  });
  socket.on('close', (code) => {
    logger.debug({ peer, code }, 'WebSocket client disconnected');
    connection.dispose();
  });
  connection.listen();
}
