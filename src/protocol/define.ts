import { z } from 'zod';

/**
 * A request or notification declared once, as data: its literal method name and the zod schemas
 * of what travels over the wire. The daemon validates with the schemas; clients and handlers take
 * their types from them (the role `RequestType` plays in vscode-languageserver-protocol).
 */
export interface RequestDef<M extends string, P extends z.ZodType, R extends z.ZodType> {
  readonly kind: 'request';
  readonly method: M;
  readonly params: P;
  readonly result: R;
}

export interface NotificationDef<M extends string, P extends z.ZodType> {
  readonly kind: 'notification';
  readonly method: M;
  readonly params: P;
}

export function request<M extends string, P extends z.ZodType, R extends z.ZodType>(
  method: M,
  params: P,
  result: R,
): RequestDef<M, P, R> {
  return { kind: 'request', method, params, result };
}

export function notification<M extends string, P extends z.ZodType>(
  method: M,
  params: P,
): NotificationDef<M, P> {
  return { kind: 'notification', method, params };
}

/** Params of a method that takes none: absent, null and {} are all accepted. */
export const NoParams = z.object({}).nullish();

// biome-ignore lint/suspicious/noExplicitAny: the widest form of a declaration, for generic code.
export type AnyRequest = RequestDef<string, z.ZodType, any>;
export type AnyNotification = NotificationDef<string, z.ZodType>;

/** What a client sends (defaults not yet applied). */
export type ParamsOf<D extends { params: z.ZodType }> = z.input<D['params']>;
/** What a handler receives, after validation. */
export type ValidParamsOf<D extends { params: z.ZodType }> = z.output<D['params']>;
export type ResultOf<D extends AnyRequest> = z.output<D['result']>;
