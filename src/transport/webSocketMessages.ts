import {
  AbstractMessageReader,
  AbstractMessageWriter,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-jsonrpc';
import type WebSocket from 'ws';

/**
 * JSON-RPC over a WebSocket: one message per text frame, no Content-Length header (the frame
 * already says where a message ends).
 */
export function webSocketTransport(
  socket: WebSocket,
  options: WriterOptions = {},
): { reader: MessageReader; writer: MessageWriter } {
  return {
    reader: new WebSocketMessageReader(socket),
    writer: new WebSocketMessageWriter(socket, options),
  };
}

/**
 * The close reason the daemon gives a WebSocket session that sent `exit` without `shutdown`
 * (code 1000 either way; a bridged editor's process then exits with 1, as LSP has it).
 */
export const EXIT_WITHOUT_SHUTDOWN = 'exit without shutdown';

/**
 * One message that cannot be read (a binary frame, text that is not JSON): the session answers it
 * -32700 and reads on. Beside it, UnreadableStream ends the session.
 */
export class MalformedMessage extends Error {}

export class WebSocketMessageReader extends AbstractMessageReader {
  constructor(private readonly socket: WebSocket) {
    super();
    socket.on('error', (error) => this.fireError(error));
    socket.on('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) {
        this.fireError(
          new MalformedMessage('binary frames are not supported: send JSON text frames'),
        );
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(rawText(data));
      } catch (error) {
        this.fireError(
          new MalformedMessage(`the message is not valid JSON: ${(error as Error).message}`),
        );
        return;
      }
      // Validated by whoever listens: the server answers bad messages with -32600.
      callback(message as Message);
    };
    this.socket.on('message', onMessage);
    return { dispose: () => this.socket.off('message', onMessage) };
  }
}

export interface WriterOptions {
  /**
   * The most a peer may fall behind, in bytes not yet sent. Past it the message is not queued and
   * `onBacklog` decides (the daemon disconnects such a client, so it cannot hold memory hostage).
   */
  maxBacklogBytes?: number;
  onBacklog?(bufferedBytes: number): void;
}

export class WebSocketMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errorCount = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: WriterOptions = {},
  ) {
    super();
    socket.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN)
      return Promise.reject(new Error('the WebSocket is not open'));
    const { maxBacklogBytes, onBacklog } = this.options;
    if (maxBacklogBytes !== undefined && this.socket.bufferedAmount > maxBacklogBytes) {
      onBacklog?.(this.socket.bufferedAmount);
      return Promise.reject(new Error('the peer is not reading: message dropped'));
    }
    // ws keeps frames in order and buffers them; waiting for each flush would let one slow
    // peer's socket decide how fast the writer's caller goes.
    this.socket.send(JSON.stringify(message), (error) => {
      if (error) this.fireError(error, message, ++this.errorCount);
    });
    return Promise.resolve();
  }

  end(): void {
    this.socket.close();
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
