import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who is signed in. A session cookie is signed (HMAC-SHA256) with a secret: web servers that share
 * IMPLY_RUNBOOKS_SESSION_SECRET accept each other's sessions and CSRF tokens (replicas behind a load
 * balancer); without it each server makes its own secret and knows only its own sessions. Sessions
 * are cached in memory by the SHA-256 of the cookie, and tokens kept as SHA-256 hashes only. An
 * OIDC session carries the token's groups in the signed cookie, so every replica knows them too.
 */

export const SESSION_COOKIE = 'imply_runbooks_session';

export interface Session {
  user: string;
  /** Put in every form and checked on every POST: a cross-site form cannot know it. */
  csrfToken: string;
  /** How the user was recognised: a token login, the auth proxy's header, or an OIDC sign-in. */
  via: 'token' | 'header' | 'oidc';
  /** The groups an OIDC provider's token named (its groups claim); absent for the other ways. */
  groups?: string[];
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
  /** Shared by every replica (IMPLY_RUNBOOKS_SESSION_SECRET); default: random, this process only. */
  secret?: string;
}

/** IMPLY_RUNBOOKS_SESSION_SECRET: the key replicas share for session cookies. */
export const SESSION_SECRET_VARIABLE = 'IMPLY_RUNBOOKS_SESSION_SECRET';
const MIN_SECRET_LENGTH = 32;

/** The shared session secret from the environment, checked; undefined when unset. */
export function sessionSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const secret = env[SESSION_SECRET_VARIABLE]?.trim();
  if (!secret) return undefined;
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `${SESSION_SECRET_VARIABLE} is ${secret.length} characters: use at least ${MIN_SECRET_LENGTH} (e.g. openssl rand -base64 33), the same on every web server`,
    );
  }
  return secret;
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
  private readonly secret: string;
  /** Sessions signed out here: their cookies are refused here even though the signature holds. */
  private readonly ended = new Set<string>();

  constructor(options: SessionStoreOptions = {}) {
    this.secret = options.secret ?? randomBytes(32).toString('base64url');
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

  private sign(text: string): string {
    return createHmac('sha256', this.secret).update(text, 'utf8').digest('base64url');
  }

  private remember(key: string, session: Session): void {
    this.sessions.set(key, session);
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }

  /**
   * Starts a session and returns the cookie value (shown only to the browser). `ttlMs` may shorten
   * the store's lifetime, never lengthen it; `groups` are signed into the cookie. Adds state.
   */
  create(
    user: string,
    via: Session['via'],
    options: { groups?: string[]; ttlMs?: number } = {},
  ): { cookieValue: string; session: Session } {
    const expiresAt = this.now() + Math.min(options.ttlMs ?? this.ttlMs, this.ttlMs);
    const groups = options.groups && options.groups.length > 0 ? [...options.groups] : undefined;
    const claims = {
      user,
      via,
      expiresAt,
      ...(groups ? { groups } : {}),
      nonce: randomBytes(16).toString('base64url'),
    };
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    const cookieValue = `${payload}.${this.sign(payload)}`;
    const session: Session = {
      user,
      via,
      ...(groups ? { groups } : {}),
      csrfToken: this.sign(`csrf:${payload}`),
      expiresAt,
    };
    this.remember(sha256(cookieValue).toString('hex'), session);
    return { cookieValue, session };
  }

  /**
   * A short-lived signed value for something other than a session (`purpose` keeps the two apart:
   * neither verifies as the other). Signed, not encrypted: keep it in an HttpOnly cookie. Pure.
   */
  seal(purpose: string, value: Record<string, string>, ttlMs: number): string {
    const payload = Buffer.from(JSON.stringify({ ...value, expiresAt: this.now() + ttlMs }), 'utf8');
    const text = payload.toString('base64url');
    return `${text}.${this.sign(`${purpose}:${text}`)}`;
  }

  /** The value `seal` signed for `purpose`, or undefined when forged, altered or expired. Pure. */
  unseal(purpose: string, sealed: string | undefined): Record<string, string> | undefined {
    const [text = '', signature = '', extra] = (sealed ?? '').split('.');
    if (extra !== undefined || !sameSecret(signature, this.sign(`${purpose}:${text}`))) return undefined;
    try {
      const { expiresAt, ...value } = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      if (typeof expiresAt !== 'number' || expiresAt <= this.now()) return undefined;
      const entries = Object.entries(value);
      if (!entries.every(([, field]) => typeof field === 'string')) return undefined;
      return Object.fromEntries(entries) as Record<string, string>;
    } catch {
      return undefined;
    }
  }

  /** A session another replica (same secret) signed, or undefined when the signature does not hold. Pure. */
  private verify(cookieValue: string): Session | undefined {
    const [payload = '', signature = '', extra] = cookieValue.split('.');
    if (extra !== undefined || !sameSecret(signature, this.sign(payload))) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const { user, via, expiresAt, groups } = claims;
      if (
        typeof user !== 'string' ||
        (via !== 'token' && via !== 'header' && via !== 'oidc') ||
        typeof expiresAt !== 'number' ||
        (groups !== undefined &&
          (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string')))
      ) {
        return undefined;
      }
      const session: Session = { user, via, expiresAt, csrfToken: this.sign(`csrf:${payload}`) };
      if (Array.isArray(groups) && groups.length > 0) session.groups = groups as string[];
      return session;
    } catch {
      return undefined;
    }
  }

  /** The live session for a cookie value; an expired one is dropped. Caches a verified one. */
  find(cookieValue: string | undefined): Session | undefined {
    if (!cookieValue) return undefined;
    const key = sha256(cookieValue).toString('hex');
    if (this.ended.has(key)) return undefined;
    const session = this.sessions.get(key) ?? this.verify(cookieValue);
    if (!session || session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    if (!this.sessions.has(key)) this.remember(key, session);
    return session;
  }

  /** Ends the session of a cookie value on this server, if any. Safe to repeat. */
  end(cookieValue: string | undefined): void {
    if (!cookieValue) return;
    const key = sha256(cookieValue).toString('hex');
    this.sessions.delete(key);
    this.ended.add(key);
    if (this.ended.size > this.maxSessions) this.ended.delete(this.ended.values().next().value as string);
  }
}

/** The value of cookie `name` (default: the session's) from a Cookie header, if any. Pure. */
export function sessionCookieValue(
  cookieHeader: string | undefined,
  cookieName = SESSION_COOKIE,
): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === cookieName) return rest.join('=') || undefined;
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
