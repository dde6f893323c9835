import { type Diagnostic, DiagnosticCodes, type DiagnosticSeverity } from '../protocol/index.js';
import { LifecycleError, type PluginGeneration } from './PluginGeneration.js';
import { describeLeftovers } from './ResourceTracker.js';
import { describeThrown, locateInBundle, type SourceLocation } from './sourceLocation.js';

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

/** "deactivate threw TypeError: …" for a failed lifecycle call, or the thrown message. */
export function describeLifecycleError(error: unknown): string {
  if (error instanceof LifecycleError) return `${error.call} threw ${describeThrown(error.thrown)}`;
  return describeThrown(error);
}

/** Where in the plugin's sources a lifecycle call threw. */
export function locateLifecycleError(
  error: unknown,
  generation: PluginGeneration,
): SourceLocation | undefined {
  return locateInBundle(error instanceof LifecycleError ? error.thrown : error, generation.bundle);
}

/**
 * Takes a generation down: `deactivate`, then everything it still holds is released. Returns the
 * warnings a plugin author should see: a deactivate that threw, and what the generation leaked
 * (seed 001's unload diagnostics).
 */
export async function unloadGeneration(generation: PluginGeneration): Promise<Diagnostic[]> {
  const id = generation.descriptor.id;
  const warnings: Diagnostic[] = [];
  try {
    await generation.deactivate();
  } catch (error) {
    warnings.push(
      diagnosticAt(
        id,
        'warning',
        DiagnosticCodes.DeactivateFailed,
        describeLifecycleError(error),
        locateLifecycleError(error, generation),
      ),
    );
  }
  const leftovers = generation.unload();
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
  return warnings;
}
