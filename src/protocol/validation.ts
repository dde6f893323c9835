import type { z } from 'zod';
import type { AnyNotification, AnyRequest, ResultOf, ValidParamsOf } from './define.js';

/**
 * Checking what travels against a declaration's schemas: the daemon checks every request's params
 * and its own results with these, and a client (a conformance run in CI, a test) can check what
 * the daemon answered in exactly the same way.
 */

/** Valid, with the parsed value (defaults applied); or why not, as one line and as zod's issues. */
export type Checked<T> =
  | { ok: true; value: T }
  | { ok: false; problem: string; issues: z.ZodError['issues'] };

/** Params of a request or notification, as the receiver should see them. */
export function checkParams<D extends AnyRequest | AnyNotification>(
  def: D,
  params: unknown,
): Checked<ValidParamsOf<D>> {
  return checked(def.params.safeParse(params));
}

/** A request's result, against its declared shape. */
export function checkResult<D extends AnyRequest>(def: D, result: unknown): Checked<ResultOf<D>> {
  return checked((def.result as z.ZodType).safeParse(result));
}

function checked<T>(parsed: z.ZodSafeParseResult<unknown>): Checked<T> {
  if (parsed.success) return { ok: true, value: parsed.data as T };
  return { ok: false, problem: describeZodError(parsed.error), issues: parsed.error.issues };
}

/** Turns zod's issues into one line a person can act on: `path: message; path: message`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}
