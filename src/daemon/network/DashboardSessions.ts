import { randomBytes } from 'node:crypto';

/** Enough for every tab a person keeps open; past it the oldest session ends. */
const MAX_SESSIONS = 64;
/** How long a one-time code stays good: time for `--open` to start a browser, no more. */
export const CODE_LIFETIME_MS = 60_000;
/** Codes not yet used; past this the oldest goes (nobody opens sixteen browsers at once). */
const MAX_CODES = 16;

/**
 * The dashboard's sessions: what a page gets for the token it read from its link's fragment.
 * The page keeps no token; its cookie (HttpOnly, so no script reads it) names one of these. They
 * live as long as the daemon: a restarted daemon has a new token and knows none of them.
 */
export class DashboardSessions {
  private readonly ids = new Set<string>();
  /** Codes that open one session each: what `reloadd dashboard --open` puts in its link. */
  readonly codes: OneTimeCodes;

  constructor(clock: () => number = Date.now) {
    this.codes = new OneTimeCodes(clock);
  }

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

/**
 * One-time codes for the dashboard (`dashboard/openCode`): each, once, within CODE_LIFETIME_MS,
 * stands for the token at `POST /session`. A link with one may be read by others (a browser's
 * command line is public on Linux, in /proc/PID/cmdline): it opens at most one session, and only
 * for whoever uses it first, soon.
 */
export class OneTimeCodes {
  /** Code → when it stops being good (by the clock given). */
  private readonly pending = new Map<string, number>();

  constructor(private readonly clock: () => number) {}

  issue(): { code: string; expiresInMs: number } {
    const code = randomBytes(32).toString('base64url');
    this.pending.set(code, this.clock() + CODE_LIFETIME_MS);
    this.forgetExpired();
    if (this.pending.size > MAX_CODES) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    return { code, expiresInMs: CODE_LIFETIME_MS };
  }

  /** The code is good now (it was issued, is not used, has not expired). Reads; uses nothing. */
  has(code: string): boolean {
    const expires = this.pending.get(code);
    return expires !== undefined && this.clock() < expires;
  }

  /** Uses the code: true once, the first time, while it is good; false ever after. */
  redeem(code: string): boolean {
    const good = this.has(code);
    this.pending.delete(code);
    return good;
  }

  private forgetExpired(): void {
    const now = this.clock();
    for (const [code, expires] of this.pending) if (expires <= now) this.pending.delete(code);
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
