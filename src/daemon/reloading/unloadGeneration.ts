import { type Diagnostic, DiagnosticCodes } from '../../protocol/index.js';
import { isTimeout } from '../crossing/HostRequestError.js';
import { describeLeftovers } from '../crossing/leftovers.js';
import {
  describeLifecycleError,
  diagnosticAt,
  locateLifecycleError,
} from '../diagnostics/pluginDiagnostics.js';
import type { RemoteGeneration } from '../hosts/RemoteGeneration.js';

/**
 * Takes a generation down: `deactivate`, then everything it still holds is released. Returns the
 * warnings a plugin author should see (a deactivate that threw or hung, what the generation
 * leaked: the unload diagnostics of the .NET editor guide), and whether deactivate hung.
 */
export async function unloadGeneration(
  generation: RemoteGeneration,
): Promise<{ warnings: Diagnostic[]; hung: boolean }> {
  const id = generation.descriptor.id;
  const warnings: Diagnostic[] = [];
  let hung = false;
  try {
    await generation.deactivate();
  } catch (error) {
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
  const leftovers = await generation.unload();
  if (leftovers.length > 0) {
    warnings.push(
      diagnosticAt(
        id,
        'warning',
        DiagnosticCodes.UnloadLeak,
        `Plugin '${id}' did not fully unload: ${describeLeftovers(leftovers)}. reloadd disposed them; dispose them in deactivate, or push them to ctx.subscriptions.`,
      ),
    );
  }
  return { warnings, hung };
}
