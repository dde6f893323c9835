import { ResponseError } from 'vscode-jsonrpc';
import {
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
  if (
    params.protocolVersion !== undefined &&
    major(params.protocolVersion) !== major(PROTOCOL_VERSION)
  ) {
    throw new ResponseError(
      ErrorCodes.InvalidRequest,
      `protocol version ${params.protocolVersion} is not supported: this daemon speaks ${PROTOCOL_VERSION}`,
    );
  }
  const name = params.clientInfo?.name;
  const editorCalls = params.capabilities?.editor?.calls;
  const window = params.capabilities?.window;
  const options = params.initializationOptions;
  session.begin({
    ...(name ? { name } : {}),
    ...(params.processId !== undefined ? { processId: params.processId } : {}),
    ...(editorCalls ? { editorCalls } : {}),
    ...(window ? { window } : {}),
    ...(params.capabilities?.textDocument?.publishDiagnostics
      ? { publishesDiagnostics: true }
      : {}),
    ...(options ? { options } : {}),
  });
  return {
    serverInfo: { name: 'reloadd', version: session.version },
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {
      requests: [...session.methods],
      notifications: serverNotifications.map((n) => n.method),
      hotReload: daemon.status().hotReload,
      textDocumentSync: { openClose: false, change: 0 as const, save: { includeText: false } },
    },
  };
});

export const shutdown = onRequest(Shutdown, async (_params, { session }) => {
  await session.shutDown();
  return null;
});
