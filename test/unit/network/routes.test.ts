import { describe, expect, it } from 'vitest';
import {
  checkAccess,
  hostAllowed,
  isLoopback,
  ownHosts,
  ownOrigins,
} from '../../../src/daemon/network/accessPolicy.js';
import {
  CODE_LIFETIME_MS,
  DashboardSessions,
  readCookie,
} from '../../../src/daemon/network/DashboardSessions.js';
import {
  decideRoute,
  type PageRoute,
  RouteAccess,
  RPC_ROUTE,
} from '../../../src/daemon/network/routes.js';

const token = 'k'.repeat(43);
const policy = {
  token,
  allowedHosts: ownHosts('127.0.0.1', 4000),
  allowedOrigins: ownOrigins('127.0.0.1', 4000),
};
/** What every client sends: the address it connected to. */
const own = { host: '127.0.0.1:4000' };
/** A WebSocket upgrade on a port with the JSON-RPC endpoint alone; `{ allow: true }` when admitted. */
const upgrade = (url: string, headers: Record<string, string> = {}) => {
  const decision = decideRoute(
    { url, headers: { ...own, ...headers } },
    'websocket',
    [RPC_ROUTE],
    policy,
  );
  return decision.allow ? { allow: true } : decision;
};

describe('an upgrade to the JSON-RPC endpoint', () => {
  it('admits the token from the query or a Bearer header', () => {
    expect(upgrade(`/rpc?token=${token}`)).toEqual({ allow: true });
    expect(upgrade('/rpc', { authorization: `Bearer ${token}` })).toEqual({ allow: true });
    expect(upgrade('/rpc', { authorization: `bearer  ${token} ` })).toEqual({ allow: true });
  });

  it('refuses no token, a wrong one, or one of another length, with 401', () => {
    expect(upgrade('/rpc')).toMatchObject({ allow: false, status: 401, reason: 'no token' });
    expect(upgrade('/rpc?token=')).toMatchObject({ status: 401, reason: 'wrong token' });
    expect(upgrade(`/rpc?token=${token.slice(1)}x`)).toMatchObject({ status: 401 });
    expect(upgrade(`/rpc?token=${token}${token}`)).toMatchObject({ status: 401 });
    expect(upgrade('/rpc', { authorization: `Basic ${token}` })).toMatchObject({ status: 401 });
  });

  it("refuses other origins with 403, and admits the daemon's own under any loopback name", () => {
    const ok = `/rpc?token=${token}`;
    for (const origin of ['http://127.0.0.1:4000', 'http://localhost:4000', 'http://[::1]:4000'])
      expect(upgrade(ok, { origin })).toEqual({ allow: true });
    for (const origin of ['https://evil.example', 'http://localhost:4001', 'null', 'file://'])
      expect(upgrade(ok, { origin })).toMatchObject({ allow: false, status: 403 });
  });

  it('answers 404 off the endpoint path', () => {
    expect(upgrade(`/?token=${token}`)).toMatchObject({ status: 404 });
    expect(upgrade(`/rpc/x?token=${token}`)).toMatchObject({ status: 404 });
  });
});

describe('decideRoute', () => {
  const page = (path: string, access: RouteAccess): PageRoute => ({
    kind: 'page',
    path,
    access,
    serve: () => undefined,
  });
  const routes = [RPC_ROUTE, page('/', RouteAccess.Public), page('/api', RouteAccess.Token)];
  const decide = (url: string, kind: 'page' | 'websocket', headers: Record<string, string> = {}) =>
    decideRoute({ url, headers: { ...own, ...headers } }, kind, routes, policy);

  it('serves a public page to anyone, and a token page only with the token and from an own origin', () => {
    expect(decide('/', 'page')).toMatchObject({ allow: true, route: { path: '/' } });
    expect(decide('/api', 'page')).toMatchObject({ allow: false, status: 401 });
    expect(decide(`/api?token=${token}`, 'page')).toMatchObject({ allow: true });
    expect(
      decide('/api', 'page', { authorization: `Bearer ${token}`, origin: 'https://evil.example' }),
    ).toMatchObject({ allow: false, status: 403 });
  });

  it('answers 404 for a path that is no route of that kind', () => {
    expect(decide(`/rpc?token=${token}`, 'page')).toMatchObject({ allow: false, status: 404 });
    expect(decide(`/?token=${token}`, 'websocket')).toMatchObject({ allow: false, status: 404 });
    expect(decide(`/rpc?token=${token}`, 'websocket')).toMatchObject({ allow: true });
  });
});

describe('a dashboard session cookie', () => {
  const sessions = new DashboardSessions();
  const id = sessions.open();
  const cookieName = 'reloadd-session-4000';
  const withSessions = { ...policy, sessions, cookieName };
  const check = (headers: Record<string, string>) =>
    checkAccess({ query: new URLSearchParams(), headers }, withSessions);
  const ownOrigin = 'http://127.0.0.1:4000';

  it("admits the page's own session from its own origin, as the token would", () => {
    expect(check({ cookie: `other=1; ${cookieName}=${id}`, origin: ownOrigin })).toEqual({
      allow: true,
      by: 'session',
    });
  });

  it('refuses an unknown or ended session, another port’s cookie, and any other origin', () => {
    expect(check({ cookie: `${cookieName}=forged`, origin: ownOrigin })).toMatchObject({
      status: 401,
    });
    expect(check({ cookie: `reloadd-session-4001=${id}`, origin: ownOrigin })).toMatchObject({
      status: 401,
      reason: 'no token',
    });
    // Cookies ignore ports: a page on another localhost port sends this one too.
    expect(check({ cookie: `${cookieName}=${id}`, origin: 'http://localhost:5173' })).toMatchObject(
      { status: 403 },
    );
    const ended = sessions.open();
    sessions.close(ended);
    expect(check({ cookie: `${cookieName}=${ended}`, origin: ownOrigin })).toMatchObject({
      status: 401,
    });
  });

  it('is not read at all where the daemon has no dashboard sessions', () => {
    const bare = checkAccess(
      { query: new URLSearchParams(), headers: { cookie: `${cookieName}=${id}` } },
      policy,
    );
    expect(bare).toMatchObject({ status: 401, reason: 'no token' });
  });

  it('reads one cookie out of a header of several', () => {
    expect(readCookie('a=1; b=2;c=3', 'b')).toBe('2');
    expect(readCookie('ab=1', 'b')).toBeUndefined();
    expect(readCookie(undefined, 'b')).toBeUndefined();
  });
});

describe('a one-time code (dashboard --open)', () => {
  let now = 1_000;
  const sessions = new DashboardSessions(() => now);
  const withCodes = { ...policy, sessions, codes: sessions.codes };
  const session = (authorization: string, origin?: string) =>
    decideRoute(
      { url: '/session', headers: { ...own, authorization, ...(origin ? { origin } : {}) } },
      'page',
      [
        RPC_ROUTE,
        { kind: 'page', path: '/session', access: RouteAccess.TokenOrCode, serve: () => undefined },
      ],
      withCodes,
    );

  it('stands for the token on a route that takes one, and says it was by that code', () => {
    const { code } = sessions.codes.issue();
    expect(session(`Code ${code}`)).toMatchObject({ allow: true, admission: { by: 'code', code } });
    expect(session(`code  ${code} `)).toMatchObject({ allow: true });
    expect(session(`Bearer ${token}`)).toMatchObject({ allow: true, admission: { by: 'token' } });
    // Held to the origin rule, as the token is.
    expect(session(`Code ${code}`, 'https://evil.example')).toMatchObject({ status: 403 });
  });

  it('admits nothing on a route that takes only the token: the WebSocket', () => {
    const { code } = sessions.codes.issue();
    const upgrade = decideRoute(
      { url: '/rpc', headers: { ...own, authorization: `Code ${code}` } },
      'websocket',
      [RPC_ROUTE],
      withCodes,
    );
    expect(upgrade).toMatchObject({ allow: false, status: 401, reason: 'no token' });
  });

  it('is good once, and only within its lifetime', () => {
    const { code, expiresInMs } = sessions.codes.issue();
    expect(expiresInMs).toBe(CODE_LIFETIME_MS);
    expect(sessions.codes.redeem(code)).toBe(true);
    expect(sessions.codes.redeem(code)).toBe(false);
    expect(session(`Code ${code}`)).toMatchObject({
      status: 401,
      reason: 'unknown one-time code: it opens one session, once, within a minute',
    });
    const late = sessions.codes.issue().code;
    now += CODE_LIFETIME_MS - 1;
    expect(sessions.codes.has(late)).toBe(true);
    now += 1;
    expect(session(`Code ${late}`)).toMatchObject({ status: 401 });
    expect(sessions.codes.redeem(late)).toBe(false);
    expect(session('Code forged')).toMatchObject({ status: 401 });
  });
});

describe('the Host header', () => {
  const path = (host: string | undefined, url = '/') =>
    decideRoute(
      { url, headers: host === undefined ? {} : { host } },
      'page',
      [RPC_ROUTE, { kind: 'page', path: '/', access: RouteAccess.Public, serve: () => undefined }],
      policy,
    );

  it("admits the daemon's address under each loopback name, with its port, in any case", () => {
    for (const host of ['127.0.0.1:4000', 'localhost:4000', '[::1]:4000', 'LocalHost:4000'])
      expect(path(host)).toMatchObject({ allow: true });
  });

  it('refuses any other name or port with 403 (DNS rebinding), and a missing Host, before the path', () => {
    for (const host of ['evil.example:4000', 'evil.example', '127.0.0.1:4001', 'localhost', ''])
      expect(path(host)).toMatchObject({
        allow: false,
        status: 403,
        reason: `host ${host} is not this daemon's address`,
      });
    expect(path(undefined)).toMatchObject({
      status: 403,
      reason: expect.stringMatching(/^no Host/),
    });
    expect(path('evil.example:4000', '/nothing')).toMatchObject({ status: 403 });
  });

  it('admits the configured --host too, and any IP literal on a daemon that listens on every address', () => {
    const named = ownHosts('devbox.lan', 4000);
    expect(hostAllowed('devbox.lan:4000', named)).toBe(true);
    expect(hostAllowed('localhost:4000', named)).toBe(true);
    expect(hostAllowed('192.168.1.5:4000', named)).toBe(false);
    const any = ownHosts('0.0.0.0', 4000);
    for (const host of ['192.168.1.5:4000', '[fe80::1]:4000', '10.0.0.1:4000'])
      expect(hostAllowed(host, any)).toBe(true);
    for (const host of ['evil.example:4000', '192.168.1.5:4001', '1.2.3:4000', '[::g]:4000'])
      expect(hostAllowed(host, any)).toBe(false);
    // On port 80, browsers leave the port out.
    expect(hostAllowed('localhost', ownHosts('127.0.0.1', 80))).toBe(true);
  });
});

describe('isLoopback', () => {
  it('knows loopback addresses from the rest', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.2', 'example.com'].some(isLoopback)).toBe(false);
  });
});
