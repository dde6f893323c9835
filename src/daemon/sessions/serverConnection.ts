import {
  createMessageConnection,
  Message,
  type MessageConnection,
  type MessageReader,
  type MessageWriter,
  ResponseError,
  type Logger as RpcLogger,
} from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/index.js';
import { MalformedMessage, UnreadableStream } from '../../transport/index.js';
import type { Logger } from '../logs/logger.js';
import { inFlightKey, screenMessage } from './incomingMessages.js';

/**
 * A server-side JSON-RPC connection over any transport (stdio with LSP framing, a WebSocket with
 * one message per frame). Bad input gets an answer, as JSON-RPC asks: a frame that is not JSON
 * gets -32700, and what is not a usable message, or a request whose id is still in flight on this
 * connection, gets -32600 (incomingMessages.ts, which it keeps the ids in flight for); the connection
 * stays up. Only framing that cannot be read on (stdio) ends it, with a log line that says why.
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
  /** The client's requests not answered yet. Screened against, and kept as answers are written. */
  const inFlight = new Map<string, string>();
  // Refusals go straight to the transport: a duplicate's refusal must not free its id, whose first
  // request is still in flight.
  const answer = (code: number, message: string, id: string | number | null = null) => {
    logger.warn({ code }, message);
    writer
      .write({ jsonrpc: '2.0', id, error: { code, message } } as Message)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not answer bad input'));
  };
  reader.onError((error) => {
    if (error instanceof UnreadableStream)
      logger.error(`the client's messages cannot be read: ${error.message}; ending its session`);
    else if (error instanceof SyntaxError)
      answer(ErrorCodes.ParseError, `the message is not valid JSON: ${error.message}`);
    else if (error instanceof MalformedMessage) answer(ErrorCodes.ParseError, error.message);
  });
  const screening: MessageReader = {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    dispose: () => reader.dispose(),
    listen: (callback) =>
      reader.listen((message) => {
        const screened = screenMessage(message, inFlight);
        switch (screened.verdict) {
          case 'refuse':
            answer(screened.code, screened.reason, screened.id);
            return;
          case 'drop':
            logger.debug(`ignored a notification: ${screened.reason}`);
            return;
          case 'replace':
            logger.warn(`an answer to the daemon was refused: ${screened.reason}`);
            break;
          case 'pass':
            if (Message.isRequest(screened.message))
              inFlight.set(
                inFlightKey(screened.message.id as string | number),
                screened.message.method,
              );
            break;
        }
        try {
          callback(screened.message);
        } catch (error) {
          // JSON-RPC's own handling threw: a bug, but this connection and the daemon go on.
          logger.error({ err: error }, 'a bug in reloadd: handling a message threw');
        }
      }),
  };
  const answering: MessageWriter = {
    onError: writer.onError,
    onClose: writer.onClose,
    dispose: () => writer.dispose(),
    end: () => writer.end(),
    write: (message) => {
      // Freed as the answer goes out, not once written: the client may reuse the id at once.
      if (Message.isResponse(message) && message.id !== null)
        inFlight.delete(inFlightKey(message.id));
      return writer.write(message);
    },
  };
  return createMessageConnection(screening, answering, rpcLogger, {
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
