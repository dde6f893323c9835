import { DashboardPaths, ONE_TIME_CODE_SCHEME } from '../../../protocol/index.js';

export const SessionCheck = {
  Authorised: 'authorised',
  /** No link, or a link from a daemon that has since restarted (its token is new). */
  Unauthorised: 'unauthorised',
  /** Nothing answers: the daemon stopped. */
  Unreachable: 'unreachable',
} as const;
export type SessionCheck = (typeof SessionCheck)[keyof typeof SessionCheck];

/**
 * The page's way in. Its link carries the token in the fragment (`#token=…`), which no request
 * ever sends, or a one-time code (`#code=…`, from `reloadd dashboard --open`): the page takes it
 * out of the address bar and the history at once, then trades it at `/session` for an HttpOnly
 * cookie that no script can read and that the WebSocket carries. Without either, it asks whether
 * its cookie is still good.
 */
export async function openSession(): Promise<SessionCheck> {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  const code = fragment.get('code');
  const authorization = token
    ? `Bearer ${token}`
    : code
      ? `${ONE_TIME_CODE_SCHEME} ${code}`
      : undefined;
  if (authorization) history.replaceState(null, '', `${location.pathname}${location.search}`);
  try {
    const response = await fetch(DashboardPaths.Session, {
      method: authorization ? 'POST' : 'GET',
      credentials: 'same-origin',
      headers: authorization ? { authorization } : {},
    });
    if (response.ok) return SessionCheck.Authorised;
    return response.status === 401 || response.status === 403
      ? SessionCheck.Unauthorised
      : SessionCheck.Unreachable;
  } catch {
    return SessionCheck.Unreachable;
  }
}
