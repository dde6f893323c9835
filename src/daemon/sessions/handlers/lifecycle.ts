import { ResponseError } from 'vscode-jsonrpc';
import {
  choosePositionEncoding,
  ErrorCodes,
  Initialize,
  PROTOCOL_VERSION,
  Shutdown,
  serverNotifications,
} from '../../../protocol/index.js';
import { onRequest } from './handler.js';

/** LSP's lifecycle: `initialize` and `shutdown` (`initialized` and `exit` drive the session itself). */

const major = (version: string) => version.split('.')[0];

export const initialize = onRequest(Initialize, (params, { daemon, session }) => {
  if (session.begun)
    throw new ResponseError(ErrorCodes.InvalidRequest, 'initialize was already received');
  if (params.protocolVersion != null && major(params.protocolVersion) !== major(PROTOCOL_VERSION)) {
    throw new ResponseError(
      ErrorCodes.InvalidRequest,
      `protocol version ${params.protocolVersion} is not supported: this daemon speaks ${PROTOCOL_VERSION}`,
    );
  }
  // LSP clients send null (or nothing) for what they leave unset: both mean not declared.
  const capabilities = params.capabilities ?? {};
  const name = params.clientInfo?.name;
  const editorCalls = capabilities.editor?.calls;
  const window = capabilities.window ?? undefined;
  const options = params.initializationOptions ?? undefined;
  const positionEncoding = choosePositionEncoding(capabilities.general?.positionEncodings);
  session.begin({
    ...(name ? { name } : {}),
    ...(params.processId != null ? { processId: params.processId } : {}),
    ...(editorCalls ? { editorCalls } : {}),
    ...(window ? { window } : {}),
    ...(capabilities.textDocument?.publishDiagnostics ? { publishesDiagnostics: true } : {}),
    ...(options ? { options } : {}),
    positionEncoding,
    speaksReloadd: params.protocolVersion != null,
  });
  return {
    serverInfo: { name: 'reloadd', version: session.version },
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {
      requests: [...session.methods],
      notifications: serverNotifications.map((n) => n.method),
      hotReload: daemon.status().hotReload,
      positionEncoding,
      // Saves only: the daemon reads files from disk, never an editor's buffers.
      textDocumentSync: { openClose: false, change: 0 as const, save: { includeText: false } },
    },
  };
});

export const shutdown = onRequest(Shutdown, async (_params, { session }) => {
  await session.shutDown();
  return null;
});
