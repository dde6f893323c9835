import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DashboardPaths, sessionCookieName } from '../../protocol/index.js';
import type { Logger } from '../logs/logger.js';
import { type DashboardSessions, readCookie } from './DashboardSessions.js';
import { type PageRoute, RouteAccess } from './routes.js';

/**
 * What the page may do, said by the daemon that serves it: its own scripts and styles, a
 * connection back to this port, nothing from anywhere else (the dashboard works offline).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STATIC_FILES = [
  { path: DashboardPaths.Page, file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: DashboardPaths.Script, file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { path: DashboardPaths.Styles, file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  { path: DashboardPaths.SourceMap, file: 'dashboard.js.map', type: 'application/json' },
];

/**
 * The dashboard's routes: its page and files, public because they hold no data (the page says
 * "not authorised" by itself when it has no session), and `/session`, where the page trades the
 * token from its link for a cookie.
 */
export function dashboardRoutes(options: {
  dir: URL;
  sessions: DashboardSessions;
  logger: Logger;
}): PageRoute[] {
  const files: PageRoute[] = STATIC_FILES.map(({ path, file, type }) => ({
    kind: 'page',
    path,
    access: RouteAccess.Public,
    serve: (request, response) => {
      if (!readOnly(request, response)) return;
      serveFile(new URL(file, options.dir), type, request, response).catch((error: unknown) => {
        options.logger.error({ err: error }, `serving ${path} failed`);
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    },
  }));
  return [...files, sessionRoute(options.sessions)];
}

/**
 * `/session`, behind the token check (routes.ts): POST with the token as a Bearer header, or a
 * one-time code as `Authorization: Code <code>` (used up here), opens a session and sets its
 * cookie; GET answers 204 while the cookie (or token) is good, so the page can tell "not
 * authorised" from "daemon gone"; DELETE ends it. A code opens a session and does nothing else.
 */
function sessionRoute(sessions: DashboardSessions): PageRoute {
  return {
    kind: 'page',
    path: DashboardPaths.Session,
    access: RouteAccess.TokenOrCode,
    serve: (request, response, admission) => {
      const name = sessionCookieName(request.socket.localPort ?? 0);
      const headers = { 'cache-control': 'no-store' };
      const refuse = (reason: string) => {
        response.writeHead(401, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
        response.end(`${reason}\n`);
      };
      if (admission.by === 'code') {
        if (request.method !== 'POST')
          return refuse('a one-time code only opens a session: POST /session');
        // Decided a moment ago in this same turn, so it is still good: this uses it up.
        if (!sessions.codes.redeem(admission.code))
          return refuse('unknown one-time code: it opens one session, once, within a minute');
      }
      switch (request.method) {
        case 'POST': {
          const id = sessions.open();
          response.writeHead(204, {
            ...headers,
            'set-cookie': `${name}=${id}; HttpOnly; SameSite=Strict; Path=/`,
          });
          break;
        }
        case 'GET':
        case 'HEAD':
          response.writeHead(204, headers);
          break;
        case 'DELETE': {
          const id = readCookie(request.headers.cookie, name);
          if (id) sessions.close(id);
          response.writeHead(204, { ...headers, 'set-cookie': `${name}=; Max-Age=0; Path=/` });
          break;
        }
        default:
          response.writeHead(405, { allow: 'GET, HEAD, POST, DELETE' });
      }
      response.end();
    },
  };
}

function readOnly(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  response.writeHead(405, { allow: 'GET, HEAD' });
  response.end();
  return false;
}

async function serveFile(
  file: URL,
  type: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = await readFile(file).catch(() => undefined);
  if (!body) {
    response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    response.end('reloadd: the dashboard is not built here; run "npm run build"\n');
    return;
  }
  response.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    // Small files, read from disk each time: a rebuilt dashboard shows at the next load.
    'cache-control': 'no-store',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
