import { type Diagnostic, DiagnosticCodes, type DiagnosticSeverity } from '../protocol/index.js';
import { HostRequestError } from './host/PluginHost.js';
import type { RemoteGeneration } from './host/RemoteGeneration.js';
import { describeLeftovers } from './ResourceTracker.js';
import { describeThrown, type SourceLocation } from './sourceLocation.js';

/** A diagnostic, with the file, range and code frame of `where` when there is one. */
export function diagnosticAt(
  pluginId: string,
  severity: DiagnosticSeverity,
  code: string,
  message: string,
  where?: Partial<SourceLocation>,
): Diagnostic {
  return {
    pluginId,
    severity,
    code,
    message,
    ...(where?.file ? { file: where.file } : {}),
    ...(where?.range ? { range: where.range } : {}),
    ...(where?.codeFrame ? { codeFrame: where.codeFrame } : {}),
  };
}

/** "deactivate threw TypeError: …" for a failed call into a plugin, as its host described it. */
export function describeLifecycleError(error: unknown): string {
  if (error instanceof HostRequestError) return error.error.message;
  return describeThrown(error);
}

/** Where in the plugin's sources a call threw, when the host could tell. */
export function locateLifecycleError(error: unknown): SourceLocation | undefined {
  return error instanceof HostRequestError ? error.error.location : undefined;
}

/** True when the watchdog stopped the call (a loop, or a promise that never settled). */
export function isTimeout(error: unknown): boolean {
  return error instanceof HostRequestError && error.error.kind === 'timeout';
}

/**
 * Takes a generation down: `deactivate`, then everything it still holds is released. Returns the
 * warnings a plugin author should see (a deactivate that threw or hung, what the generation
 * leaked: seed 001's unload diagnostics), and whether deactivate hung.
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
