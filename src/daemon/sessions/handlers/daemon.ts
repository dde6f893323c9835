import {
  DaemonSetDebugOptions,
  DaemonSetHotReload,
  DaemonStatus,
  ErrorCodes,
  ReloaddErrorCodes,
} from '../../../protocol/index.js';
import { RequestFailure } from '../../toClients/RequestFailure.js';
import { onRequest } from './handler.js';

/** The daemon as a whole: its status and the hot reload switch. */

export const status = onRequest(DaemonStatus, async (_params, { daemon, url, debugging }) => ({
  ...daemon.status(),
  url: url(),
  memory: await daemon.memory(),
  inspector: debugging?.info(daemon.hosts.debugTargets()) ?? null,
}));

export const setDebugOptions = onRequest(DaemonSetDebugOptions, async (params, { debugging }) => {
  if (!debugging?.enabled)
    throw new RequestFailure(
      ErrorCodes.NotSupported,
      ReloaddErrorCodes.NotDebugging,
      'the daemon was started without --inspect: no debugger can attach to its plugin hosts',
    );
  return { breakOnError: await debugging.setBreakOnError(params.breakOnError) };
});

export const setHotReload = onRequest(DaemonSetHotReload, (params, { daemon }) => ({
  enabled: daemon.changes.setHotReload(params.enabled),
}));
