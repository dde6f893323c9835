import type { Message } from 'vscode-jsonrpc';
import { ErrorCodes, MAX_MESSAGE_DEPTH, UncancellableRequests } from '../../protocol/index.js';

/** What to do with one message that arrived, before the JSON-RPC connection sees it. */
export type Screening =
  | { verdict: 'pass'; message: Message }
  /** Answer with this error (`id` null when the request's own id cannot be answered to). */
  | { verdict: 'refuse'; code: number; reason: string; id: string | number | null }
  /** A notification that cannot be acted on: logged, and otherwise ignored (no answer exists). */
  | { verdict: 'drop'; reason: string }
  /** An answer to a request of the daemon's that cannot be read: it becomes that error. */
  | { verdict: 'replace'; message: Message; reason: string };

/**
 * The connection's requests that have not been answered yet: their id as text (`inFlightKey`),
 * and their method.
 */
export type InFlight = ReadonlyMap<string, string>;

/**
 * An id as vscode-jsonrpc tells requests apart: by its text, so that 1 and "1" are one request
 * to it, and must be one to the screening too.
 */
export function inFlightKey(id: string | number): string {
  return String(id);
}

const UNCANCELLABLE = new Set<string>(UncancellableRequests);

/**
 * Screens a parsed message, as JSON-RPC 2.0 asks: what is not a message gets -32600 (with its
 * id if it has a string or number one, else null); a request whose `id` is not a string or a
 * number gets it with id null, and so does, to its id, one whose id is already `inFlight` on
 * this connection (its answer could not be told from the first's, which still gets its own); a
 * `$/cancelRequest` without a usable id, or for a request that cannot be cancelled (`shutdown`),
 * is dropped; anything nested deeper than MAX_MESSAGE_DEPTH is refused before any code recurses
 * into it. Pure: the connection acts on the verdict, and keeps `inFlight`.
 */
export function screenMessage(message: unknown, inFlight: InFlight = new Map()): Screening {
  const shape = shapeProblem(message);
  if (shape) {
    // Answered to its own id when it has one that can be answered to.
    const id = (message as { id?: unknown } | null)?.id;
    const answerTo = typeof id === 'string' || typeof id === 'number' ? id : null;
    return { verdict: 'refuse', code: ErrorCodes.InvalidRequest, reason: shape, id: answerTo };
  }
  const m = message as Record<string, unknown>;
  const isRequest = typeof m.method === 'string' && 'id' in m;
  if (isRequest && typeof m.id !== 'string' && typeof m.id !== 'number') {
    return {
      verdict: 'refuse',
      code: ErrorCodes.InvalidRequest,
      reason: 'a request\'s "id" must be a string or a number',
      id: null,
    };
  }
  if (isRequest && inFlight.has(inFlightKey(m.id as string | number))) {
    return {
      verdict: 'refuse',
      code: ErrorCodes.InvalidRequest,
      reason: `a request with id ${JSON.stringify(m.id)} is already in flight on this connection: wait for its answer, or use another id`,
      id: m.id as string | number,
    };
  }
  if (m.method === '$/cancelRequest' && !('id' in m)) {
    const id = (m.params as { id?: unknown } | null | undefined)?.id;
    if (typeof id !== 'string' && typeof id !== 'number')
      return { verdict: 'drop', reason: '$/cancelRequest without a string or number "id"' };
    const method = inFlight.get(inFlightKey(id));
    if (method !== undefined && UNCANCELLABLE.has(method))
      return {
        verdict: 'drop',
        reason: `$/cancelRequest for "${method}", which is not cancellable: it is answered with its result`,
      };
  }
  const payload = 'method' in m ? m.params : 'error' in m ? m.error : m.result;
  if (nestedDeeperThan(payload, MAX_MESSAGE_DEPTH)) {
    const reason = `the message is nested deeper than ${MAX_MESSAGE_DEPTH} levels, the most reloadd reads`;
    if (isRequest)
      return {
        verdict: 'refuse',
        code: ErrorCodes.InvalidRequest,
        reason,
        id: m.id as string | number,
      };
    if ('method' in m) return { verdict: 'drop', reason };
    return {
      verdict: 'replace',
      reason,
      message: {
        jsonrpc: '2.0',
        id: m.id,
        error: { code: ErrorCodes.InvalidRequest, message: reason },
      } as Message,
    };
  }
  return { verdict: 'pass', message: m as unknown as Message };
}

function shapeProblem(message: unknown): string | undefined {
  if (Array.isArray(message)) return 'batches are not supported: send one message per frame';
  if (message === null || typeof message !== 'object') return 'a message must be a JSON object';
  const m = message as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return 'a message must have "jsonrpc": "2.0"';
  if (!('method' in m) && !('id' in m))
    return 'a message needs a "method" (request or notification) or an "id" (response)';
  if ('method' in m && typeof m.method !== 'string') return '"method" must be a string';
  if ('params' in m && m.params !== null && typeof m.params !== 'object')
    return '"params" must be an object or an array';
  return undefined;
}

/** Without recursion: the point is not to overflow the stack on what is being measured. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
