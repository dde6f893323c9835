import { PluginGetState } from '../../../protocol/index.js';
import { onRequest } from './handler.js';

/** A plugin's saved state (the Red editor plan's "state inspector"). */

export const getState = onRequest(PluginGetState, (params, { daemon }) =>
  daemon.getState(params.id),
);
