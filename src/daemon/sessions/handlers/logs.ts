import { LogSubscribe, LogUnsubscribe } from '../../../protocol/index.js';
import { onRequest } from './handler.js';

/** Following the daemon's log (`log/entry` notifications to this client alone). */

export const subscribe = onRequest(LogSubscribe, (params, { session }) =>
  session.followLogs({
    ...(params?.level ? { level: params.level } : {}),
    ...(params?.pluginId ? { pluginId: params.pluginId } : {}),
    ...(params?.since !== undefined ? { since: params.since } : {}),
    ...(params?.last !== undefined ? { last: params.last } : {}),
  }),
);

export const unsubscribe = onRequest(LogUnsubscribe, (_params, { session }) => {
  session.stopFollowingLogs();
  return null;
});
