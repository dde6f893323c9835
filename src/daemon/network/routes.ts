import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { WEBSOCKET_PATH } from '../../protocol/index.js';
import {
  type AccessDecision,
  type AccessPolicy,
  type Admission,
  checkAccess,
  header,
  hostAllowed,
} from './accessPolicy.js';

/**
 * Who may use a route: anyone (a page's static files), only a client with the token (or a
 * dashboard session's cookie), or that or a one-time code (`/session`, where a page opened by
 * `reloadd dashboard --open` trades its code).
 */
export const RouteAccess = {
  Public: 'public',
  Token: 'token',
  TokenOrCode: 'token-or-code',
} as const;
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
  /** Called once the request is let in; `admission` says by what (the token, a code…). */
  serve(request: IncomingMessage, response: ServerResponse, admission: Admission): void;
}

export type Route = SocketRoute | PageRoute;

/** The routes every daemon port has, before any page is added. */
export const RPC_ROUTE: SocketRoute = {
  kind: 'websocket',
  path: WEBSOCKET_PATH,
  access: RouteAccess.Token,
};

export type RouteDecision<R extends Route> =
  | { allow: true; route: R; admission: Admission }
  | Extract<AccessDecision, { allow: false }>
  | { allow: false; status: 400; reason: string };

/** What a request target (`GET /rpc?token=… HTTP/1.1`) names on this daemon. */
export interface RequestTarget {
  pathname: string;
  query: URLSearchParams;
}

/** Any base will do: only a target that stays on it is read (see readTarget). */
const BASE = new URL('http://reloadd.invalid');

/**
 * A request target as a path on this daemon, or undefined when it is not one: a target must be
 * a path (`/…`, HTTP's origin form); `//host/…` or `/\host/…` would name another host, an
 * absolute URL or `*` names no path here, and `//[` cannot be parsed at all. Never throws.
 */
export function readTarget(target: string | undefined): RequestTarget | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  if (target.startsWith('//') || target.startsWith('/\\')) return undefined;
  let url: URL;
  try {
    url = new URL(target, BASE);
  } catch {
    return undefined;
  }
  if (url.host !== BASE.host) return undefined;
  return { pathname: url.pathname, query: url.searchParams };
}

/**
 * Which route a request reaches, and whether it may. In order: 400 for a target that is not a
 * path (readTarget); 403 for a `Host` that is not the daemon's own (ownHosts: DNS rebinding);
 * 404 off every route of its kind; then the access check (accessPolicy.ts) for routes that need
 * the token. The one place that decides, and total: whatever the request line and headers hold,
 * it returns a decision.
 */
export function decideRoute<K extends Route['kind']>(
  request: { url?: string | undefined; headers: IncomingHttpHeaders },
  kind: K,
  routes: readonly Route[],
  policy: AccessPolicy,
): RouteDecision<Extract<Route, { kind: K }>> {
  const target = readTarget(request.url);
  if (!target)
    return {
      allow: false,
      status: 400,
      reason: 'the request target is not a path on this daemon (it must start with a single /)',
    };
  const host = header(request.headers, 'host');
  if (!hostAllowed(host, policy.allowedHosts))
    return {
      allow: false,
      status: 403,
      reason:
        host === undefined
          ? "no Host header: requests must name the daemon's address"
          : `host ${host} is not this daemon's address`,
    };
  const { pathname } = target;
  const route = routes.find(
    (r): r is Extract<Route, { kind: K }> => r.kind === kind && r.path === pathname,
  );
  if (!route) {
    const what = kind === 'websocket' ? 'WebSocket endpoint' : 'page';
    return { allow: false, status: 404, reason: `no ${what} at ${pathname}` };
  }
  if (route.access === RouteAccess.Public)
    return { allow: true, route, admission: { by: 'anyone' } };
  const access = checkAccess({ query: target.query, headers: request.headers }, policy, {
    acceptCode: route.access === RouteAccess.TokenOrCode,
  });
  if (!access.allow) return access;
  const { allow: _allow, ...admission } = access;
  return { allow: true, route, admission };
}
