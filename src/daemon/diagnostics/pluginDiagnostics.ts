/** How failures of plugin code become diagnostics and messages, wherever they are caught. */
import { type Diagnostic, DiagnosticCodes, type DiagnosticSeverity } from '../../protocol/index.js';
import { HostRequestError } from '../crossing/HostRequestError.js';
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
