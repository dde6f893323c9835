import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostAllowed, ownHosts, ownOrigins } from '../../../src/daemon/network/accessPolicy.js';
import { DashboardSessions, readCookie } from '../../../src/daemon/network/DashboardSessions.js';
import {
  decideRoute,
  type PageRoute,
  RouteAccess,
  RPC_ROUTE,
  readTarget,
} from '../../../src/daemon/network/routes.js';

/**
 * The route table over any request line and headers: whatever a peer sends (the request target
 * as Node hands it over, unparsed; any Host, Origin, Authorization and Cookie), the decision is
 * made, never thrown, and admits nothing the rules do not.
 */

const token = 'k'.repeat(43);
const sessions = new DashboardSessions();
const session = sessions.open();
const cookieName = 'reloadd-session-4000';
const page = (path: string, access: RouteAccess): PageRoute => ({
  kind: 'page',
  path,
  access,
  serve: () => undefined,
});
const code = sessions.codes.issue().code;
const routes = [
  RPC_ROUTE,
  page('/', RouteAccess.Public),
  page('/api', RouteAccess.Token),
  page('/session', RouteAccess.TokenOrCode),
];
const policy = {
  token,
  allowedHosts: ownHosts('127.0.0.1', 4000),
  allowedOrigins: ownOrigins('127.0.0.1', 4000),
  sessions,
  codes: sessions.codes,
  cookieName,
};

/** Pieces that mean something to a URL parser, a route or a check, and some that mean nothing. */
const piece = fc.constantFrom(
  '/',
  '//',
  '\\',
  '[',
  ']',
  '[::1]',
  '%',
  '%2f',
  '%zz',
  '?',
  '#',
  '@',
  ':',
  '.',
  '..',
  'rpc',
  'session',
  'api',
  'token=',
  token,
  'http:',
  'é',
  '*',
  '\u0000',
);
const pieces = fc.array(piece, { maxLength: 10 }).map((p) => p.join(''));
/** A route's path, with or without a query that may hold the token. */
const routeTarget = fc
  .tuple(
    fc.constantFrom('/', '/rpc', '/session', '/api', '/rpc/', '/./rpc', '/a/../session', '/%72pc'),
    fc.option(fc.oneof(fc.constant(`token=${token}`), pieces), { nil: undefined }),
  )
  .map(([path, query]) => (query === undefined ? path : `${path}?${query}`));
/** A request target: a route's, built from the pieces, anything at all, or missing. */
const target = fc.oneof(
  { arbitrary: routeTarget, weight: 3 },
  pieces,
  pieces.map((p) => `/${p}`),
  fc.string(),
  fc.constant(undefined),
);
const value = fc.oneof(
  pieces,
  fc.string(),
  fc.constantFrom(
    '127.0.0.1:4000',
    'localhost:4000',
    'evil.example:4000',
    'http://127.0.0.1:4000',
    `Bearer ${token}`,
    `Code ${code}`,
    `${cookieName}=${session}`,
  ),
);
/** Headers as Node gives them: lower-case names, a string each (or a list, as the type allows). */
const headers = fc.record(
  {
    host: fc.oneof(fc.constantFrom('127.0.0.1:4000', 'localhost:4000', '[::1]:4000'), value),
    origin: value,
    authorization: value,
    cookie: value,
    'x-other': fc.array(value, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const kind = fc.constantFrom('page' as const, 'websocket' as const);

function parses(url: string): boolean {
  try {
    new URL(url, 'http://localhost');
    return true;
  } catch {
    return false;
  }
}

describe('the route decision, over any request line and headers', () => {
  it('decides, and never throws', () => {
    fc.assert(
      fc.property(target, headers, kind, (url, h, k) => {
        const decision = decideRoute({ url, headers: h }, k, routes, policy);
        if (decision.allow) {
          expect(decision.route.kind).toBe(k);
          expect(decision.route.path).toBe(readTarget(url)?.pathname);
        } else {
          expect([400, 401, 403, 404]).toContain(decision.status);
          expect(decision.reason).toMatch(/\S/);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('answers 400 to every target that is not a path, `//[` included', () => {
    fc.assert(
      fc.property(target, headers, kind, (url, h, k) => {
        const decision = decideRoute({ url, headers: h }, k, routes, policy);
        const isPath = url !== undefined && /^\/(?![/\\])/.test(url) && parses(url);
        expect(decision.allow === false && decision.status === 400).toBe(!isPath);
      }),
      { numRuns: 5000 },
    );
    expect(decideRoute({ url: '//[', headers: {} }, 'websocket', routes, policy)).toMatchObject({
      status: 400,
    });
  });

  it("admits only requests to the daemon's own Host, to a token route only with the token or a session, and takes a code only where the route does", () => {
    fc.assert(
      fc.property(target, headers, kind, (url, h, k) => {
        const decision = decideRoute({ url, headers: h }, k, routes, policy);
        if (!decision.allow) return;
        expect(hostAllowed(h.host, policy.allowedHosts)).toBe(true);
        if (decision.route.access === RouteAccess.Public) return;
        const query = readTarget(url)?.query;
        const byCode = decision.admission.by === 'code';
        expect(byCode && decision.route.access !== RouteAccess.TokenOrCode).toBe(false);
        const credential =
          query?.get('token') === token ||
          /^Bearer\s+k{43}\s*$/i.test(h.authorization ?? '') ||
          readCookie(h.cookie, cookieName) === session ||
          (byCode && h.authorization === `Code ${code}`);
        expect(credential).toBe(true);
        expect(h.origin === undefined || policy.allowedOrigins.has(h.origin)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
