import type { HostCallError } from './hostMessages.js';

/** A failed call to a plugin host, on either side of the thread boundary. */
export class HostRequestError extends Error {
  constructor(readonly error: HostCallError) {
    super(error.message);
  }
}

/**
 * True when the watchdog stopped plugin code: vm interrupted a synchronous part that ran past
 * its limit (inside the host), or the host reported the call as timed out (on the daemon's side).
 */
export function isTimeout(error: unknown): boolean {
  if (error instanceof HostRequestError) return error.error.reason === 'timeout';
  return (error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}
