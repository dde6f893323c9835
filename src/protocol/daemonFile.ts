import { z } from 'zod';
import { Direction, NoParams, request } from './define.js';

/**
 * Where a daemon that listens on a port says so: `<workspace>/.reloadd/daemon.json`, mode 0600 in
 * a 0700 folder, written when it starts listening and removed when it exits. Clients look for it
 * in the current folder and each parent, as git looks for `.git`, and use only one that is the
 * user's own and that no one else may write. It holds no token: that is in its `tokenFile`.
 */
export const DAEMON_FILE = '.reloadd/daemon.json';

/** The WebSocket endpoint's path; other paths are refused with 404. */
export const WEBSOCKET_PATH = '/rpc';

/**
 * The dashboard's HTTP routes on the same port. The page and its files are public (they hold no
 * data); `/session` trades the token (or a one-time code) for a cookie, and the WebSocket admits
 * that cookie.
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
  return pageLink(webSocketUrl, `token=${encodeURIComponent(token)}`);
}

/**
 * A link that holds no lasting secret, for a browser started with it on its command line (where
 * other local users can read it): `http://HOST:PORT/#code=…`, with a code of
 * `dashboard/openCode`, good for one session, once, within its lifetime.
 */
export function dashboardCodeLink(webSocketUrl: string, code: string): string {
  return pageLink(webSocketUrl, `code=${encodeURIComponent(code)}`);
}

function pageLink(webSocketUrl: string, fragment: string): string {
  const url = new URL(webSocketUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = DashboardPaths.Page;
  url.hash = fragment;
  return url.toString();
}

/** How a page presents a one-time code at `POST /session`: `Authorization: Code <code>`. */
export const ONE_TIME_CODE_SCHEME = 'Code';

/**
 * A one-time code for the dashboard: the page of a `dashboardCodeLink` trades it at `POST
 * /session` for its session cookie, as a page with the token does. It opens one session, once,
 * and only within `expiresInMs`; it admits nothing else (not the WebSocket). What `reloadd
 * dashboard --open` hands the browser instead of the token.
 */
export const DashboardOpenCode = request(
  'dashboard/openCode',
  Direction.ClientToDaemon,
  NoParams,
  z.object({
    /** 256 random bits, base64url. */
    code: z.string(),
    /** How long it stays good, from now. */
    expiresInMs: z.number().int(),
  }),
);

/** The cookie a dashboard session rides on; named for the port, as cookies ignore ports. */
export function sessionCookieName(port: number): string {
  return `reloadd-session-${port}`;
}

/** The key: 256 random bits, base64url. Send as `?token=` or `Authorization: Bearer`. */
const Token = z.string().min(22);

export const DaemonFile = z
  .object({
    /** `ws://HOST:PORT/rpc`, without the token. */
    url: z.string(),
    host: z.string(),
    port: z.number().int(),
    /** The daemon's process: a file whose pid is gone is stale. */
    pid: z.number().int(),
    /**
     * Where the token is: a DaemonTokenFile (absolute path) in the user's runtime folder, out of
     * the workspace, where a plugin with `permissions` is granted no reads.
     */
    tokenFile: z.string().optional(),
    /** Only in files written by daemons from before `tokenFile`: the token itself. */
    token: Token.optional(),
    protocolVersion: z.string(),
    version: z.string(),
    pluginsDir: z.string(),
    /** ISO 8601. */
    startedAt: z.string(),
  })
  .refine((file) => file.tokenFile !== undefined || file.token !== undefined, {
    message: 'missing (and no "token" either)',
    path: ['tokenFile'],
  });
export type DaemonFile = z.infer<typeof DaemonFile>;

/**
 * The content of a daemon's `tokenFile` (mode 0600, in a 0700 folder of the user's). `pid` and
 * `url` are its daemon's: a client uses the token only when both match the discovery file's.
 */
export const DaemonTokenFile = z.object({
  pid: z.number().int(),
  url: z.string(),
  token: Token,
});
export type DaemonTokenFile = z.infer<typeof DaemonTokenFile>;
