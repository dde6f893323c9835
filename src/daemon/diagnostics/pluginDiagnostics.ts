/** How failures of plugin code become diagnostics and messages, wherever they are caught. */
import { type Diagnostic, DiagnosticCodes, type DiagnosticSeverity } from '../../protocol/index.js';
import { HostRequestError } from '../crossing/HostRequestError.js';
import { describeUntrackedRun, type UntrackedRun } from '../crossing/leftovers.js';
import { describeThrown, type SourceLocation } from '../crossing/sourceLocation.js';
import type { StateProblem } from '../crossing/stateTransfer.js';

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

/** A worker host holds more outside its heap than its cap bounds; `pluginId` ran last there. */
export function offHeapDiagnostic(
  pluginId: string,
  externalBytes: number,
  limitBytes: number,
): Diagnostic {
  const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
  return diagnosticAt(
    pluginId,
    'warning',
    DiagnosticCodes.OffHeapMemory,
    `the plugin host holds ${mb(externalBytes)} outside its JS heap (Buffers, ArrayBuffers), over its ${mb(limitBytes)} cap, which bounds the heap only: a worker host cannot stop it (${pluginId} ran last there)`,
  );
}

/** An unloaded generation's realm is still reachable: something outside the plugin holds it. */
export function unloadIncompleteDiagnostic(
  pluginId: string,
  generation: number,
  holders: string[],
): Diagnostic {
  return diagnosticAt(
    pluginId,
    'warning',
    DiagnosticCodes.UnloadIncomplete,
    `generation ${generation} did not unload: its realm is still reachable after 4 garbage collections${holders.length > 0 ? ` (held by ${holders.join(', ')})` : ''}; something outside the plugin keeps a reference to its code`,
  );
}

/** Code of a generation whose state was taken ran, called by what reloadd does not track. */
export function untrackedRunDiagnostic(
  pluginId: string,
  generation: number,
  run: UntrackedRun,
): Diagnostic {
  return diagnosticAt(
    pluginId,
    'warning',
    DiagnosticCodes.UnloadedCodeRan,
    `generation ${generation} ran after its state was taken: ${describeUntrackedRun(run)}, which reloadd neither holds during a reload nor clears at unload; what it does is in no state. Remove it in deactivate.`,
  );
}

/** `state.panel.onClick is a function`: what a snapshot could not keep as it was. */
export function stateProblemDiagnostic(pluginId: string, problem: StateProblem): Diagnostic {
  return diagnosticAt(
    pluginId,
    'warning',
    DiagnosticCodes.StateNotCloneable,
    `${problem.path} ${problem.reason}`,
  );
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
