import {
  PluginDisable,
  PluginEnable,
  PluginExecuteCommand,
  PluginList,
  PluginProfile,
  PluginReload,
} from '../../../protocol/index.js';
import { onRequest } from './handler.js';

/** The plugins: listing, reloading, running their commands, switching them on and off. */

export const list = onRequest(PluginList, (_params, { daemon }) => ({
  plugins: daemon.plugins.list(),
}));

export const reload = onRequest(PluginReload, async (params, { daemon, session }, token) => {
  const ids = params.all ? 'all' : (params.ids ?? [params.id as string]);
  const cancelled = () => token.isCancellationRequested;
  return {
    results: await daemon.reload(ids, cancelled, session.client, params.workDoneToken),
  };
});

export const executeCommand = onRequest(PluginExecuteCommand, (params, { daemon }, token) =>
  daemon.calls.executeCommand(params.command, params.args ?? [], {
    isCancelled: () => token.isCancellationRequested,
  }),
);

export const enable = onRequest(PluginEnable, async (params, { daemon, session }) => ({
  result: await daemon.enable(params.id, session.client),
}));

export const disable = onRequest(PluginDisable, async (params, { daemon }) => ({
  id: params.id,
  status: await daemon.disable(params.id),
}));

export const profile = onRequest(PluginProfile, (params, { daemon }) =>
  daemon.profile(params.id, params.durationMs),
);
