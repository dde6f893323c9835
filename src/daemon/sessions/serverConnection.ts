import {
  createMessageConnection,
  type Message,
  type MessageConnection,
  type MessageReader,
  type MessageWriter,
  ResponseError,
  type Logger as RpcLogger,
} from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/index.js';
import { FrameError } from '../../transport/index.js';
import type { Logger } from '../logs/logger.js';

/**
 * A server-side JSON-RPC connection over any transport (stdio with LSP framing, a WebSocket with
 * one message per frame). Bad input gets an answer, as JSON-RPC asks: a frame that is not JSON
 * gets -32700, and JSON that is not a JSON-RPC message (a batch, say: LSP has none) gets -32600;
 * the connection stays up.
 */
export function createServerConnection(
  transport: { reader: MessageReader; writer: MessageWriter },
  logger: Logger,
): MessageConnection {
  const { reader, writer } = transport;
  const rpcLogger: RpcLogger = {
    // A message that could not be written means the client is gone or not reading; that is its
    // session's business (it is closed and logged there), not an error of the daemon's.
    error: (message: string) =>
      TRANSPORT_FAILURE.test(message) ? logger.debug(message) : logger.error(message),
    warn: (message: string) => logger.warn(message),
    info: (message: string) => logger.debug(message),
    log: (message: string) => logger.debug(message),
  };
  const answer = (code: number, message: string) => {
    logger.warn({ code }, message);
    writer
      .write({ jsonrpc: '2.0', id: null, error: { code, message } } as Message)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not answer bad input'));
  };
  reader.onError((error) => {
    if (error instanceof SyntaxError)
      answer(ErrorCodes.ParseError, `the message is not valid JSON: ${error.message}`);
    else if (error instanceof FrameError) answer(ErrorCodes.ParseError, error.message);
    else if (/Content-Length/.test(error.message)) answer(ErrorCodes.ParseError, error.message);
  });
  const validating: MessageReader = {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    dispose: () => reader.dispose(),
    listen: (callback) =>
      reader.listen((message) => {
        const problem = invalidMessage(message);
        if (problem) answer(ErrorCodes.InvalidRequest, problem);
        else callback(message);
      }),
  };
  return createMessageConnection(validating, writer, rpcLogger, {
    // A request cancelled before it was even dispatched still gets its answer (LSP).
    connectionStrategy: {
      cancelUndispatched: () => ({
        jsonrpc: '2.0',
        id: null,
        error: new ResponseError(ErrorCodes.RequestCancelled, 'the request was cancelled').toJson(),
      }),
    },
  });
}

const TRANSPORT_FAILURE =
  /^(Sending (notification|request|response) failed|Processing message queue failed)/;

function invalidMessage(message: unknown): string | undefined {
  if (Array.isArray(message)) return 'batches are not supported: send one message per frame';
  if (message === null || typeof message !== 'object') return 'a message must be a JSON object';
  const m = message as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return 'a message must have "jsonrpc": "2.0"';
  if (!('method' in m) && !('id' in m))
    return 'a message needs a "method" (request or notification) or an "id" (response)';
  if ('method' in m && typeof m.method !== 'string') return '"method" must be a string';
  if ('params' in m && m.params !== null && typeof m.params !== 'object')
    return '"params" must be an object or an array';
  return undefined;
}
