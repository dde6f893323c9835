import { HostRequestError, isTimeout } from '../crossing/HostRequestError.js';
import type { HostBounds } from '../crossing/hostMessages.js';
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
export function describeFailure(
  thrown: unknown,
  call: string,
  limitMs: number,
  bounds?: HostBounds,
): string {
  if (isTimeout(thrown))
    return `did not return within ${limitMs} ms: the daemon interrupted ${call} (an endless loop?)`;
  const denied = deniedAccess(thrown, bounds);
  if (denied)
    return `was denied ${denied.permission}${denied.resource ? ` of ${denied.resource}` : ''} by its permissions; ${grantFor(denied)}`;
  if (bounds?.memoryMb !== undefined && isAllocationFailure(thrown))
    return `ran into its host's memory cap (${bounds.memoryMb} MB, --host-memory): ${describeThrown(thrown)}`;
  return `threw ${describeThrown(thrown)}`;
}

/** A socket's failure in a host with no network: nothing is reachable from its namespace. */
const NO_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * What the plugin's permissions refused: Node's permission model (its ERR_ACCESS_DENIED), or,
 * in a jailed host (`bounds`), the network it was not granted, or a signal to a process outside
 * its host.
 */
export function deniedAccess(
  thrown: unknown,
  bounds?: HostBounds,
): { permission: string; resource?: string } | undefined {
  const error = thrown as {
    code?: unknown;
    permission?: unknown;
    resource?: unknown;
    syscall?: unknown;
    address?: unknown;
    port?: unknown;
    hostname?: unknown;
    cause?: { code?: unknown };
  } | null;
  if (!error || typeof error !== 'object') return undefined;
  if (error.code === 'ERR_ACCESS_DENIED') {
    const permission = typeof error.permission === 'string' ? error.permission : 'access';
    return typeof error.resource === 'string'
      ? { permission, resource: error.resource }
      : { permission };
  }
  const code = error.code ?? error.cause?.code;
  if (bounds && !bounds.network && typeof code === 'string' && NO_NETWORK_CODES.has(code)) {
    const where =
      typeof error.address === 'string'
        ? `${error.address}${typeof error.port === 'number' ? `:${error.port}` : ''}`
        : typeof error.hostname === 'string'
          ? error.hostname
          : undefined;
    return { permission: 'Network', ...(where ? { resource: where } : {}) };
  }
  if (bounds?.jailed && code === 'ESRCH' && error.syscall === 'kill')
    return { permission: 'Signal', resource: 'a process outside its host' };
  return undefined;
}

function isAllocationFailure(thrown: unknown): boolean {
  return thrown instanceof Error && /allocation failed/i.test(thrown.message);
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
    case 'Network':
      return 'to allow it, set "permissions": { "net": true } in plugin.json';
    case 'Signal':
      return 'no grant allows it: a plugin with permissions can signal only the processes it starts';
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
  where: {
    call: string;
    limitMs: number;
    bundle: MappedBundle;
    named: boolean;
    bounds?: HostBounds | undefined;
  },
): HostRequestError {
  const location = locateInBundle(thrown, where.bundle);
  const described = describeFailure(thrown, where.call, where.limitMs, where.bounds);
  const denied = deniedAccess(thrown, where.bounds);
  const outOfMemory = where.bounds?.memoryMb !== undefined && isAllocationFailure(thrown);
  return new HostRequestError({
    reason: isTimeout(thrown) ? 'timeout' : 'lifecycle',
    call: where.call,
    message: where.named ? `${where.call} ${described}` : described,
    ...(denied ? { denied } : {}),
    ...(outOfMemory ? { outOfMemory } : {}),
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
