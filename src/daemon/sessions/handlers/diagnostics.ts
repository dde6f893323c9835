import { PluginDiagnostics } from '../../../protocol/index.js';
import { onRequest } from './handler.js';

/** The current diagnostics (they are also pushed, as `plugin/publishDiagnostics`). */

export const diagnostics = onRequest(PluginDiagnostics, (params, { daemon }) => ({
  diagnostics: daemon.getDiagnostics(params?.id),
}));
