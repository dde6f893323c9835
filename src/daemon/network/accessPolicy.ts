import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { ONE_TIME_CODE_SCHEME } from '../../protocol/index.js';
import { readCookie } from './DashboardSessions.js';

export interface AccessPolicy {
  token: string;
  /** `Host` headers this daemon answers (ownHosts): its own address under its names, and port. */
  allowedHosts: HostNames;
  /** Browser origins allowed in: the daemon's own (its dashboard), nothing else. */
  allowedOrigins: ReadonlySet<string>;
  /** Dashboard pages that traded the token for a session, and the cookie that names theirs. */
  sessions?: { has(id: string): boolean };
  cookieName?: string;
  /** One-time codes that stand for the token where a route takes them (`POST /session`). */
  codes?: { has(code: string): boolean };
}

/** What let a request in: nothing needed, the token, a session's cookie, or a one-time code. */
export type Admission =
  | { by: 'anyone' }
  | { by: 'token' }
  | { by: 'session' }
  | { by: 'code'; code: string };

export type AccessDecision =
  | ({ allow: true } & Admission)
  | { allow: false; status: 401 | 403 | 404; reason: string };

/** What a request shows of itself to the access check, read by routes.ts. */
export interface RequestCredentials {
  /** The request target's query (`?token=`). */
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/**
 * The one check in front of everything that needs the token (routes.ts says which routes do).
 * Any web page the user opens can try to reach a port on localhost, so: a token it cannot know
 * (401 without it), and no origin but the daemon's own (403). Clients that are not browsers send
 * no Origin; the token alone admits them. A dashboard page shows its session cookie instead of
 * the token, and is held to the same origin rule (cookies ignore ports; origins do not). Where
 * the route takes one (`acceptCode`), `Authorization: Code <code>` with a one-time code good now
 * stands for the token; the route uses it up. Total: whatever the headers hold, it answers.
 */
export function checkAccess(
  request: RequestCredentials,
  policy: AccessPolicy,
  options: { acceptCode?: boolean } = {},
): AccessDecision {
  const admission = credential(request, policy, options.acceptCode === true);
  if ('allow' in admission) return admission;
  const origin = header(request.headers, 'origin');
  if (origin !== undefined && !policy.allowedOrigins.has(origin))
    return { allow: false, status: 403, reason: `origin ${origin} is not allowed` };
  return { allow: true, ...admission };
}

function credential(
  request: RequestCredentials,
  policy: AccessPolicy,
  acceptCode: boolean,
): Admission | { allow: false; status: 401; reason: string } {
  const { headers } = request;
  const authorization = header(headers, 'authorization');
  const code = acceptCode ? schemeValue(authorization, ONE_TIME_CODE_SCHEME) : undefined;
  if (code !== undefined) {
    if (!policy.codes?.has(code))
      return {
        allow: false,
        status: 401,
        reason: 'unknown one-time code: it opens one session, once, within a minute',
      };
    return { by: 'code', code };
  }
  const offered = request.query.get('token') ?? schemeValue(authorization, 'Bearer');
  if (offered !== undefined) {
    if (!sameSecret(offered, policy.token))
      return { allow: false, status: 401, reason: 'wrong token' };
    return { by: 'token' };
  }
  const session = policy.cookieName
    ? readCookie(header(headers, 'cookie'), policy.cookieName)
    : undefined;
  if (session === undefined) return { allow: false, status: 401, reason: 'no token' };
  if (!policy.sessions?.has(session))
    return { allow: false, status: 401, reason: 'unknown session (the daemon restarted?)' };
  return { by: 'session' };
}

/** The names a request may give this daemon in its `Host` header, and whether any IP will do. */
export interface HostNames {
  /** `name:port`, lower case (and the bare name on port 80, where clients leave the port out). */
  names: ReadonlySet<string>;
  /** Listening on every address (0.0.0.0, ::): any IP literal with the port is the daemon's. */
  anyAddress: boolean;
  port: number;
}

/**
 * The `Host` headers a request to this daemon carries: its own address and each name of
 * loopback (127.0.0.1, localhost, [::1]), with its port. Anything else is a name that resolved
 * to this machine without being meant for it: DNS rebinding, where a page the user opened makes
 * its own name point at 127.0.0.1 and so becomes same-origin with the daemon's port. A daemon
 * that listens on every address (`--host 0.0.0.0 --allow-remote`) also answers to any IP
 * literal: no DNS answer can rebind one.
 */
export function ownHosts(host: string, port: number): HostNames {
  const names = ['127.0.0.1', 'localhost', '[::1]', hostForUrl(host).toLowerCase()];
  const withPort = names.map((name) => `${name}:${port}`);
  return {
    names: new Set(port === 80 ? [...withPort, ...names] : withPort),
    anyAddress: host === '0.0.0.0' || host === '::',
    port,
  };
}

/** Whether a request's `Host` names this daemon (ownHosts); a missing one does not. */
export function hostAllowed(hostHeader: string | undefined, allowed: HostNames): boolean {
  if (hostHeader === undefined) return false;
  const host = hostHeader.trim().toLowerCase();
  if (allowed.names.has(host)) return true;
  if (!allowed.anyAddress) return false;
  const match = host.match(/^(\[[0-9a-f:.]+\]|[0-9.]+):(\d+)$/);
  if (!match || Number(match[2]) !== allowed.port) return false;
  const address = match[1] ?? '';
  return isIP(address.startsWith('[') ? address.slice(1, -1) : address) !== 0;
}

/** The origins a page served by this daemon has, under each name of a loopback address. */
export function ownOrigins(host: string, port: number): Set<string> {
  const names = isLoopback(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [hostForUrl(host)];
  return new Set(names.map((name) => `http://${name}:${port}`));
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * One header's value as a string, or undefined: Node gives a string for the headers read here,
 * but the type allows a list, and a check that reads headers must not depend on which.
 */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** `<scheme> <value>` of an Authorization header (the scheme in any case), or undefined. */
function schemeValue(authorization: string | undefined, scheme: string): string | undefined {
  const match = authorization?.match(/^(\S+)\s+(\S+)\s*$/);
  if (!match || match[1]?.toLowerCase() !== scheme.toLowerCase()) return undefined;
  return match[2];
}

/** Constant time, whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(offered: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(offered), digest(expected));
}
