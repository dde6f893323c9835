import { WorkDoneProgressCancel } from '../../../protocol/index.js';
import { onNotification } from './handler.js';

/**
 * LSP's work-done progress, client → daemon: the user cancelled a progress the daemon said was
 * `cancellable` (a reload of many plugins); what has not started stops.
 */
export const cancel = onNotification(WorkDoneProgressCancel, (params, { daemon, session }) => {
  const work = session.workFor(params.token);
  if (work !== undefined) daemon.work.cancel(work);
});
