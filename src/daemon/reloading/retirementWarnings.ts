import { type Diagnostic, DiagnosticCodes } from '../../protocol/index.js';
import { HostRequestError, isTimeout } from '../crossing/HostRequestError.js';
import type { SwapReport } from '../crossing/hostMessages.js';
import { describeLeftovers } from '../crossing/leftovers.js';
import {
  describeLifecycleError,
  diagnosticAt,
  locateLifecycleError,
} from '../diagnostics/pluginDiagnostics.js';

/**
 * What a plugin author should hear of a generation taken down in a swap: a deactivate that
 * threw or hung, and what the generation leaked (the unload diagnostics of the .NET editor
 * guide); and whether deactivate hung. Pure: it reads the swap's report.
 */
export function retirementWarnings(
  id: string,
  report: Pick<SwapReport, 'deactivateFailed' | 'leftovers'>,
): { warnings: Diagnostic[]; hung: boolean } {
  const warnings: Diagnostic[] = [];
  let hung = false;
  if (report.deactivateFailed) {
    const error = new HostRequestError(report.deactivateFailed);
    hung = isTimeout(error);
    warnings.push(
      diagnosticAt(
        id,
        hung ? 'error' : 'warning',
        hung ? DiagnosticCodes.Timeout : DiagnosticCodes.DeactivateFailed,
        describeLifecycleError(error),
        locateLifecycleError(error),
      ),
    );
  }
  if (report.leftovers.length > 0) {
    warnings.push(
      diagnosticAt(
        id,
        'warning',
        DiagnosticCodes.UnloadLeak,
        `Plugin '${id}' did not fully unload: ${describeLeftovers(report.leftovers)}. reloadd disposed them; dispose them in deactivate, or push them to ctx.subscriptions.`,
      ),
    );
  }
  return { warnings, hung };
}
