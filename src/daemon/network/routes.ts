import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { WEBSOCKET_PATH } from '../../protocol/index.js';
import { type AccessDecision, type AccessPolicy, checkAccess } from './accessPolicy.js';

/** Who may use a route: anyone (a page's static files), or only a client with the token. */
export const RouteAccess = { Public: 'public', Token: 'token' } as const;
export type RouteAccess = (typeof RouteAccess)[keyof typeof RouteAccess];

/** The JSON-RPC endpoint: a WebSocket upgrade, token required. */
export interface SocketRoute {
  kind: 'websocket';
  path: string;
  access: RouteAccess;
}

/** A plain HTTP resource on the daemon's port (the dashboard's page, its files). */
export interface PageRoute {
  kind: 'page';
  path: string;
  access: RouteAccess;
  serve(request: IncomingMessage, response: ServerResponse): void;
}

export type Route = SocketRoute | PageRoute;

/** The routes every daemon port has, before any page is added. */
export const RPC_ROUTE: SocketRoute = {
  kind: 'websocket',
  path: WEBSOCKET_PATH,
  access: RouteAccess.Token,
};

export type RouteDecision<R extends Route> =
  | { allow: true; route: R }
  | Extract<AccessDecision, { allow: false }>;

/**
 * Which route a request reaches, and whether it may: 404 off every route of its kind, then the
 * access check (accessPolicy.ts) for routes that need the token. The one place that decides.
 */
export function decideRoute<K extends Route['kind']>(
  request: { url?: string | undefined; headers: IncomingHttpHeaders },
  kind: K,
  routes: readonly Route[],
  policy: AccessPolicy,
): RouteDecision<Extract<Route, { kind: K }>> {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  const route = routes.find(
    (r): r is Extract<Route, { kind: K }> => r.kind === kind && r.path === pathname,
  );
  if (!route) {
    const what = kind === 'websocket' ? 'WebSocket endpoint' : 'page';
    return { allow: false, status: 404, reason: `no ${what} at ${pathname}` };
  }
  if (route.access === RouteAccess.Token) {
    const access = checkAccess(request, policy);
    if (!access.allow) return access;
  }
  return { allow: true, route };
}
