import { z } from 'zod';

/**
 * Where a daemon that listens on a port says so: `<workspace>/.reloadd/daemon.json`, mode 0600,
 * written when it starts listening and removed when it exits. Clients look for it in the current
 * folder and each parent, as git looks for `.git`.
 */
export const DAEMON_FILE = '.reloadd/daemon.json';

/** The WebSocket endpoint's path; other paths are refused with 404. */
export const WEBSOCKET_PATH = '/rpc';

/**
 * The dashboard's HTTP routes on the same port. The page and its files are public (they hold no
 * data); `/session` trades the token for a cookie, and the WebSocket admits that cookie.
 */
export const DashboardPaths = {
  Page: '/',
  Script: '/dashboard.js',
  /** The script's source map, for the browser's developer tools. */
  SourceMap: '/dashboard.js.map',
  Styles: '/dashboard.css',
  Session: '/session',
} as const;

/**
 * The link a person opens: `http://HOST:PORT/#token=…`. The token rides in the fragment, which a
 * browser never sends in a request, so it reaches no request line and no log.
 */
export function dashboardLink(webSocketUrl: string, token: string): string {
  const url = new URL(webSocketUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = DashboardPaths.Page;
  url.hash = `token=${encodeURIComponent(token)}`;
  return url.toString();
}

/** The cookie a dashboard session rides on; named for the port, as cookies ignore ports. */
export function sessionCookieName(port: number): string {
  return `reloadd-session-${port}`;
}

export const DaemonFile = z.object({
  /** `ws://HOST:PORT/rpc`, without the token. */
  url: z.string(),
  host: z.string(),
  port: z.number().int(),
  /** The daemon's process: a file whose pid is gone is stale. */
  pid: z.number().int(),
  /** Send as `?token=` or `Authorization: Bearer`; 256 random bits, base64url. */
  token: z.string().min(22),
  protocolVersion: z.string(),
  version: z.string(),
  pluginsDir: z.string(),
  /** ISO 8601. */
  startedAt: z.string(),
});
export type DaemonFile = z.infer<typeof DaemonFile>;
