import { PluginGetState, PluginRestoreSnapshot } from '../../../protocol/index.js';
import { onRequest } from './handler.js';

/** A plugin's saved state and its history (the Red editor plan's "state inspector"). */

export const getState = onRequest(PluginGetState, (params, { daemon }) =>
  daemon.states.getState(params.id, {
    ...(params.history ? { history: true } : {}),
    ...(params.generation !== undefined ? { generation: params.generation } : {}),
  }),
);

export const restoreSnapshot = onRequest(
  PluginRestoreSnapshot,
  async (params, { daemon, session }) => ({
    result: await daemon.states.restoreSnapshot(params.id, params.generation, session.client),
  }),
);
