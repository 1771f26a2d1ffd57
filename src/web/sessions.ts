import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who is signed in, kept in memory only: a session is known by the SHA-256 of its random cookie
 * value, and a token by its SHA-256, so neither a cookie nor a token is ever stored as given.
 */

export const SESSION_COOKIE = 'imply_runbooks_session';

export interface Session {
  user: string;
  /** Put in every form and checked on every POST: a cross-site form cannot know it. */
  csrfToken: string;
  /** How the user was recognised: a token login, or the auth proxy's header. */
  via: 'token' | 'header';
  expiresAt: number;
  /** One message shown on the next page, then dropped. */
  flash?: string;
}

export interface SessionStoreOptions {
  /** User name → login token. Users without a token cannot sign in by token. */
  tokens?: Record<string, string>;
  /** How long a session lasts; default 12 h. */
  ttlMs?: number;
  /** The oldest sessions go first beyond this many; default 10,000. */
  maxSessions?: number;
  now?: () => number;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares two strings in time that does not depend on where they differ. Pure. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** The sessions of one web server, and its login tokens (as hashes). */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly tokenHashes: Array<{ user: string; hash: Buffer }>;
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.tokenHashes = Object.entries(options.tokens ?? {})
      .filter(([, token]) => token.length > 0)
      .map(([user, token]) => ({ user, hash: sha256(token) }));
    this.ttlMs = options.ttlMs ?? 12 * 3_600_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether any user can sign in with a token. */
  get tokenLogin(): boolean {
    return this.tokenHashes.length > 0;
  }

  /** The user a login token belongs to, or undefined. Checks every token, whatever matches. Pure. */
  userForToken(token: string): string | undefined {
    const given = sha256(token);
    let user: string | undefined;
    for (const entry of this.tokenHashes) {
      if (timingSafeEqual(given, entry.hash)) user ??= entry.user;
    }
    return user;
  }

  /** Starts a session and returns the cookie value (shown only to the browser). Adds state. */
  create(user: string, via: Session['via']): { cookieValue: string; session: Session } {
    const cookieValue = randomBytes(32).toString('base64url');
    const session: Session = {
      user,
      via,
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + this.ttlMs,
    };
    this.sessions.set(sha256(cookieValue).toString('hex'), session);
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    return { cookieValue, session };
  }

  /** The live session for a cookie value; an expired one is dropped. */
  find(cookieValue: string | undefined): Session | undefined {
    if (!cookieValue) return undefined;
    const key = sha256(cookieValue).toString('hex');
    const session = this.sessions.get(key);
    if (session && session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Ends the session of a cookie value, if any. Safe to repeat. */
  end(cookieValue: string | undefined): void {
    if (cookieValue) this.sessions.delete(sha256(cookieValue).toString('hex'));
  }
}

/** The session cookie's value from a Cookie header, if any. Pure. */
export function sessionCookieValue(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=') || undefined;
  }
  return undefined;
}

/** The Set-Cookie value for a session: HttpOnly, SameSite=Strict, Secure on https. Pure. */
export function sessionCookie(cookieValue: string, secure: boolean, maxAgeSeconds: number): string {
  const parts = [`${SESSION_COOKIE}=${cookieValue}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}
