import { DaemonSetHotReload, DaemonStatus } from '../../../protocol/index.js';
import { onRequest } from './handler.js';

/** The daemon as a whole: its status and the hot reload switch. */

export const status = onRequest(DaemonStatus, async (_params, { daemon, url }) => ({
  ...daemon.status(),
  url: url(),
  memory: await daemon.memory(),
}));

export const setHotReload = onRequest(DaemonSetHotReload, (params, { daemon }) => ({
  enabled: daemon.setHotReload(params.enabled),
}));
