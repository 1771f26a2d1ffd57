import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EmulatorHttpError } from './http-io';

/**
 * Bearer-token checks, as Imply answers them: 401 Unauthorized for no, unknown or expired token, 403
 * with the same code for a token without the manage-clusters role. Tokens are held only as SHA-256
 * hashes and never appear in an answer or a log line. OAuth clients get tokens from the
 * client-credentials grant (`token-endpoint.ts`); those, and static tokens given a lifetime, expire.
 */

export const MANAGE_CLUSTERS_ROLE = 'manage-clusters';
/** Lifetime of a token from the client-credentials grant: Imply Hybrid's default, 5 minutes. */
export const DEFAULT_TOKEN_TTL_SECONDS = 300;

export interface EmulatorToken {
  token: string;
  /** Defaults to ['manage-clusters']. */
  roles?: string[];
  /** Seconds from the emulator's start after which the token answers 401; absent: never expires. */
  ttlSeconds?: number;
}

/** An OAuth client of the client-credentials grant. */
export interface EmulatorOAuthClient {
  clientId: string;
  clientSecret: string;
  /** Defaults to ['manage-clusters']. */
  roles?: string[];
}

interface Grant {
  roles: string[];
  /** Epoch milliseconds; absent: never expires. */
  expiresAt?: number;
  /** Issued by the token endpoint (forgotten some minutes after expiry), not configured. */
  issued?: boolean;
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function unauthorized(message: string): EmulatorHttpError {
  return new EmulatorHttpError(401, 'Unauthorized', message);
}

/** The shell left `${IMPLY_TOKEN}` unexpanded: the tutorial's single quotes do that. */
const UNEXPANDED = /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/;
/** Issued tokens are forgotten this long after they expire, so a long run does not grow the map. */
const FORGET_AFTER_MS = 10 * 60_000;

function checkLifetime(seconds: number | undefined, what: string): void {
  if (seconds === undefined) return;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`${what} must be a positive number of seconds; got ${String(seconds)}`);
  }
}

export class TokenRegistry {
  private readonly grantsByHash = new Map<string, Grant>();
  private readonly clients = new Map<string, EmulatorOAuthClient>();

  constructor(
    tokens: EmulatorToken[],
    clients: EmulatorOAuthClient[] = [],
    readonly tokenTtlSeconds: number = DEFAULT_TOKEN_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {
    checkLifetime(tokenTtlSeconds, 'the token lifetime (--token-ttl)');
    const startedAt = now();
    for (const { token, roles, ttlSeconds } of tokens) {
      if (typeof token !== 'string' || token.trim() === '') {
        throw new Error('every emulator token must be a non-empty string (tokens[].token)');
      }
      checkLifetime(ttlSeconds, `the lifetime of a static token (tokens[].ttlSeconds)`);
      const expiresAt = ttlSeconds === undefined ? undefined : startedAt + ttlSeconds * 1000;
      this.grantsByHash.set(hash(token), { roles: roles ?? [MANAGE_CLUSTERS_ROLE], expiresAt });
    }
    for (const client of clients) {
      if (!client.clientId?.trim() || !client.clientSecret?.trim()) {
        throw new Error('every OAuth client needs a non-empty clientId and clientSecret');
      }
      this.clients.set(client.clientId, client);
    }
  }

  /** True when an OAuth client is configured, so the token endpoint has someone to serve. */
  get hasClients(): boolean {
    return this.clients.size > 0;
  }

  /**
   * The client-credentials grant: a new token for a known client with the right secret (compared in
   * constant time), living `tokenTtlSeconds`. Undefined for unknown clients or wrong secrets.
   */
  issue(clientId: string, clientSecret: string): { token: string; expiresIn: number } | undefined {
    const client = this.clients.get(clientId);
    if (!client) return undefined;
    const expected = Buffer.from(hash(client.clientSecret));
    if (!timingSafeEqual(expected, Buffer.from(hash(clientSecret)))) return undefined;
    this.forgetExpired();
    const token = `emu_oauth_${randomBytes(24).toString('base64url')}`;
    const expiresAt = this.now() + this.tokenTtlSeconds * 1000;
    this.grantsByHash.set(hash(token), {
      roles: client.roles ?? [MANAGE_CLUSTERS_ROLE],
      expiresAt,
      issued: true,
    });
    return { token, expiresIn: this.tokenTtlSeconds };
  }

  /** Throws the 401 or 403 this Authorization header earns; returns when it may manage clusters. */
  check(header: string | undefined): void {
    if (!header) throw unauthorized('Missing Authorization header; send `Authorization: Bearer <token>`.');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('The Authorization header must read `Bearer <token>`.');
    const token = match[1]!;
    const grant = this.grantsByHash.get(hash(token));
    if (!grant && UNEXPANDED.test(token)) {
      throw unauthorized(
        `The token is the literal text ${token}: the shell did not expand the variable (single quotes stop it). ` +
          'Quote the header with double quotes: --header "Authorization: Bearer ${IMPLY_TOKEN}".',
      );
    }
    if (!grant) throw unauthorized('The bearer token is not valid for this emulator.');
    if (grant.expiresAt !== undefined && this.now() >= grant.expiresAt) {
      throw unauthorized('The bearer token has expired; get a new one from the token endpoint.');
    }
    if (!grant.roles.includes(MANAGE_CLUSTERS_ROLE)) {
      throw new EmulatorHttpError(
        403,
        'Unauthorized',
        `The token lacks the ${MANAGE_CLUSTERS_ROLE} role; give the OAuth client that role for this environment.`,
      );
    }
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, grant] of this.grantsByHash) {
      if (grant.issued && grant.expiresAt !== undefined && now - grant.expiresAt > FORGET_AFTER_MS) {
        this.grantsByHash.delete(key);
      }
    }
  }
}
