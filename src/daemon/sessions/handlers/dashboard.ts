import { DashboardOpenCode, ErrorCodes, ReloaddErrorCodes } from '../../../protocol/index.js';
import { RequestFailure } from '../../toClients/RequestFailure.js';
import { onRequest } from './handler.js';

/** The dashboard: a one-time code for a link that holds no lasting secret (`dashboard --open`). */

export const openCode = onRequest(DashboardOpenCode, (_params, { dashboardCode }) => {
  const issued = dashboardCode();
  if (!issued)
    throw new RequestFailure(
      ErrorCodes.NotSupported,
      ReloaddErrorCodes.NoDashboard,
      'the daemon does not listen on a port, so it serves no dashboard (start it with --port)',
    );
  return issued;
});
