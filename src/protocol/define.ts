import { z } from 'zod';

/** Who sends a message, and to whom (as `messageDirection` in vscode-languageserver-protocol). */
export const Direction = {
  /** From any client (an editor, the dashboard, CI, a log tail) to the daemon. */
  ClientToDaemon: 'client → daemon',
  /** From the daemon to every client (notifications), or to the one that asked. */
  DaemonToClient: 'daemon → client',
  /** From the daemon to the editor a plugin asks (a client that declared `capabilities.editor`). */
  DaemonToEditor: 'daemon → editor',
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/**
 * A request or notification declared once, as data: its literal method name, who sends it, and
 * the zod schemas of what travels over the wire. The daemon validates with the schemas; clients
 * and handlers take their types from them (the role `RequestType` plays in
 * vscode-languageserver-protocol).
 */
export interface RequestDef<M extends string, P extends z.ZodType, R extends z.ZodType> {
  readonly kind: 'request';
  readonly method: M;
  readonly direction: Direction;
  readonly params: P;
  readonly result: R;
}

export interface NotificationDef<M extends string, P extends z.ZodType> {
  readonly kind: 'notification';
  readonly method: M;
  readonly direction: Direction;
  readonly params: P;
}

export function request<M extends string, P extends z.ZodType, R extends z.ZodType>(
  method: M,
  direction: Direction,
  params: P,
  result: R,
): RequestDef<M, P, R> {
  return { kind: 'request', method, direction, params, result };
}

export function notification<M extends string, P extends z.ZodType>(
  method: M,
  direction: Direction,
  params: P,
): NotificationDef<M, P> {
  return { kind: 'notification', method, direction, params };
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
