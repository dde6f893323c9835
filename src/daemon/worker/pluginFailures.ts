import { HostRequestError, isTimeout } from '../crossing/HostRequestError.js';
import { describeThrown, locateInBundle, type MappedBundle } from '../crossing/sourceLocation.js';

/** A lifecycle call that threw: which call, and what it threw (a value of the plugin's realm). */
export class LifecycleError extends Error {
  constructor(
    readonly call: string,
    readonly thrown: unknown,
  ) {
    super(`${call} failed`);
  }
}

/** The module evaluated, but cannot be a plugin (no activate) or threw while evaluating. */
export class EvaluationError extends Error {
  constructor(
    message: string,
    readonly thrown?: unknown,
  ) {
    super(message);
  }
}

/** "threw TypeError: …", or what the watchdog did to a call that ran past its limit. */
export function describeFailure(thrown: unknown, call: string, limitMs: number): string {
  if (isTimeout(thrown))
    return `did not return within ${limitMs} ms: the daemon interrupted ${call} (an endless loop?)`;
  const denied = deniedAccess(thrown);
  if (denied)
    return `was denied ${denied.permission}${denied.resource ? ` of ${denied.resource}` : ''} by its permissions; ${grantFor(denied)}`;
  return `threw ${describeThrown(thrown)}`;
}

/** What Node's permission model refused, from its ERR_ACCESS_DENIED error. */
export function deniedAccess(
  thrown: unknown,
): { permission: string; resource?: string } | undefined {
  const error = thrown as { code?: unknown; permission?: unknown; resource?: unknown } | null;
  if (!error || typeof error !== 'object' || error.code !== 'ERR_ACCESS_DENIED') return undefined;
  const permission = typeof error.permission === 'string' ? error.permission : 'access';
  return typeof error.resource === 'string'
    ? { permission, resource: error.resource }
    : { permission };
}

/** The manifest line that would allow it. */
function grantFor(denied: { permission: string; resource?: string }): string {
  const where = JSON.stringify(denied.resource ?? '…');
  switch (denied.permission) {
    case 'FileSystemRead':
      return `to allow it, add ${where} to "permissions": { "fs": { "read": [...] } } in plugin.json`;
    case 'FileSystemWrite':
      return `to allow it, add ${where} to "permissions": { "fs": { "write": [...] } } in plugin.json`;
    case 'ChildProcess':
      return 'to allow it, set "permissions": { "childProcess": true } in plugin.json';
    case 'WorkerThreads':
      return 'to allow it, set "permissions": { "worker": true } in plugin.json';
    default:
      return 'plugin.json\'s "permissions" do not grant it';
  }
}

/**
 * A call into plugin code that failed, as it crosses back to the daemon: which call, why, and
 * where in the plugin's own sources. `named`: the message starts with the call ("activate threw
 * …"); command messages do not (the daemon names the command and its plugin).
 */
export function pluginFailure(
  thrown: unknown,
  where: { call: string; limitMs: number; bundle: MappedBundle; named: boolean },
): HostRequestError {
  const location = locateInBundle(thrown, where.bundle);
  const described = describeFailure(thrown, where.call, where.limitMs);
  const denied = deniedAccess(thrown);
  return new HostRequestError({
    reason: isTimeout(thrown) ? 'timeout' : 'lifecycle',
    call: where.call,
    message: where.named ? `${where.call} ${described}` : described,
    ...(denied ? { denied } : {}),
    ...(location ? { location } : {}),
  });
}

/** A module that threw while it was evaluated, or exports no activate. */
export function evaluationFailure(
  error: EvaluationError,
  bundle: MappedBundle,
  limitMs: number,
): HostRequestError {
  if (error.thrown === undefined)
    return new HostRequestError({ reason: 'noActivate', message: error.message });
  const timedOut = isTimeout(error.thrown);
  const location = locateInBundle(error.thrown, bundle);
  return new HostRequestError({
    reason: timedOut ? 'timeout' : 'evaluate',
    call: 'module evaluation',
    message: timedOut
      ? `module evaluation ${describeFailure(error.thrown, 'module evaluation', limitMs)}`
      : `${error.message}: ${describeThrown(error.thrown)}`,
    ...(location ? { location } : {}),
  });
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
