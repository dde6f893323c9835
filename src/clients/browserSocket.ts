import {
  AbstractMessageReader,
  AbstractMessageWriter,
  createMessageConnection,
  type DataCallback,
  type Disposable,
  type Message,
} from 'vscode-jsonrpc/browser';
import { ReloaddClient } from './ReloaddClient.js';

/**
 * What this file needs of a browser's WebSocket, declared here so that src/clients compiles
 * without the DOM's types (the dashboard passes a real one).
 */
export interface BrowserWebSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const OPEN = 1;

/**
 * A page's client: JSON-RPC over the browser's WebSocket, framed as every WebSocket client of
 * the daemon is (one message per text frame). Resolves once the socket is open; a socket that
 * closes first (the daemon refused it, or is gone) rejects.
 */
export async function connectBrowserSocket(socket: BrowserWebSocket): Promise<ReloaddClient> {
  if (socket.readyState !== OPEN)
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('close', () =>
        reject(new Error('the daemon closed the WebSocket before it opened')),
      );
    });
  const connection = createMessageConnection(
    new BrowserSocketReader(socket),
    new BrowserSocketWriter(socket),
  );
  connection.listen();
  return new ReloaddClient(connection, { closeTransport: () => socket.close(), processId: null });
}

class BrowserSocketReader extends AbstractMessageReader {
  constructor(private readonly socket: BrowserWebSocket) {
    super();
    socket.addEventListener('error', () => this.fireError(new Error('WebSocket error')));
    socket.addEventListener('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    const onMessage = (event: { data: unknown }) => {
      if (typeof event.data !== 'string') return;
      try {
        callback(JSON.parse(event.data) as Message);
      } catch (error) {
        this.fireError(error);
      }
    };
    this.socket.addEventListener('message', onMessage);
    return { dispose: () => this.socket.removeEventListener('message', onMessage) };
  }
}

class BrowserSocketWriter extends AbstractMessageWriter {
  constructor(private readonly socket: BrowserWebSocket) {
    super();
    socket.addEventListener('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    if (this.socket.readyState !== OPEN)
      return Promise.reject(new Error('the WebSocket is not open'));
    this.socket.send(JSON.stringify(message));
    return Promise.resolve();
  }

  end(): void {
    this.socket.close();
  }
}
