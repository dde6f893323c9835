import {
  AbstractMessageReader,
  type DataCallback,
  type Disposable,
  type Message,
} from 'vscode-jsonrpc';
import { MalformedMessage } from './webSocketMessages.js';

/** The largest message an editor may send over stdio (an answer may carry a whole buffer). */
export const MAX_STDIO_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Headers are a line or two; more than this without the blank line is not LSP framing. */
const MAX_HEADER_BYTES = 8 * 1024;

/**
 * The stream can no longer be read as messages: a header that is not LSP framing, or a body too
 * large to wait for. Nothing after it can be trusted to start a message, so the session ends.
 */
export class UnreadableStream extends Error {}

/**
 * JSON-RPC with LSP framing (`Content-Length: N`, a blank line, N bytes of JSON) from a stream.
 * Header lines may end in CRLF, as LSP says, or in LF alone, as some editors write them. A body
 * that is not JSON is reported (MalformedMessage: the session answers -32700) and reading goes on; a
 * header that cannot be read, or a Content-Length over `maxBytes`, ends the stream (UnreadableStream).
 */
export class LspMessageReader extends AbstractMessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The body's length, once its header has been read. */
  private bodyBytes: number | undefined;
  private ended = false;

  constructor(
    private readonly stream: NodeJS.ReadableStream,
    private readonly maxBytes = MAX_STDIO_MESSAGE_BYTES,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer | string) => this.take(Buffer.from(chunk), callback);
    const onEnd = () => this.end();
    const onError = (error: Error) => this.fireError(error);
    this.stream.on('data', onData);
    this.stream.on('end', onEnd);
    this.stream.on('close', onEnd);
    this.stream.on('error', onError);
    return {
      dispose: () => {
        this.stream.off('data', onData);
        this.stream.off('end', onEnd);
        this.stream.off('close', onEnd);
        this.stream.off('error', onError);
      },
    };
  }

  private take(chunk: Buffer, callback: DataCallback): void {
    if (this.ended) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.bodyBytes === undefined && !this.readHeader()) return;
      const bodyBytes = this.bodyBytes as number;
      if (this.buffered < bodyBytes) return;
      const body = this.consume(bodyBytes);
      this.bodyBytes = undefined;
      let message: Message;
      try {
        message = JSON.parse(body.toString('utf8')) as Message;
      } catch (error) {
        this.fireError(
          new MalformedMessage(`the message is not valid JSON: ${(error as Error).message}`),
        );
        continue;
      }
      callback(message);
      if (this.ended) return;
    }
  }

  /** Reads a header if a whole one is buffered; false when more bytes are needed (or it ended). */
  private readHeader(): boolean {
    const head = this.peek(Math.min(this.buffered, MAX_HEADER_BYTES + 4));
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const [end, separator] =
      crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : lf >= 0 ? [lf, 2] : [-1, 0];
    if (end < 0) {
      if (this.buffered > MAX_HEADER_BYTES)
        this.fail(`no message header ends within ${MAX_HEADER_BYTES} bytes`);
      return false;
    }
    const header = this.consume(end + separator).toString('ascii', 0, end);
    let length: number | undefined;
    for (const line of header.split(/\r?\n/)) {
      const match = /^([^:]+):\s*(.*?)\s*$/.exec(line);
      if (!match) return this.fail(`"${line.slice(0, 80)}" is not a message header line`);
      const [, name = '', value = ''] = match;
      if (name.toLowerCase() !== 'content-length') continue;
      if (!/^\d+$/.test(value))
        return this.fail(
          `Content-Length must be a whole number of bytes, not "${value.slice(0, 40)}"`,
        );
      length = Number(value);
    }
    if (length === undefined) return this.fail('a message header has no Content-Length');
    if (length > this.maxBytes)
      return this.fail(
        `a message header says Content-Length ${length}, over the ${this.maxBytes} bytes a message may have`,
      );
    this.bodyBytes = length;
    return true;
  }

  private fail(reason: string): false {
    this.fireError(new UnreadableStream(`${reason}: the stream cannot be read on`));
    this.end();
    return false;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.chunks = [];
    this.buffered = 0;
    this.fireClose();
  }

  private peek(bytes: number): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] ?? Buffer.alloc(0)).subarray(0, bytes);
  }

  private consume(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = bytes < all.length ? [all.subarray(bytes)] : [];
    this.buffered = all.length - bytes;
    return all.subarray(0, bytes);
  }
}
