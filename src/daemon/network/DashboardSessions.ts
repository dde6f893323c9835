import { randomBytes } from 'node:crypto';

/** Enough for every tab a person keeps open; past it the oldest session ends. */
const MAX_SESSIONS = 64;

/**
 * The dashboard's sessions: what a page gets for the token it read from its link's fragment.
 * The page keeps no token; its cookie (HttpOnly, so no script reads it) names one of these. They
 * live as long as the daemon: a restarted daemon has a new token and knows none of them.
 */
export class DashboardSessions {
  private readonly ids = new Set<string>();

  /** A new session's id, as random as the token (it opens the same door). */
  open(): string {
    const id = randomBytes(32).toString('base64url');
    this.ids.add(id);
    if (this.ids.size > MAX_SESSIONS) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return id;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  close(id: string): void {
    this.ids.delete(id);
  }
}

/** The value of one cookie in a `Cookie:` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
