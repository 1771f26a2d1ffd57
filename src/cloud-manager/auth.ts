import { readFile } from 'node:fs/promises';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import {
  CloudManagerContractViolation,
  CloudManagerError,
  CloudManagerUnavailable,
  errorFromResponse,
} from './errors';

/** Where the client gets its bearer token. Implementations never reveal the token in `describe()`. */
export interface TokenProvider {
  /** A valid bearer token, fetched or refreshed as needed. */
  getToken(): Promise<string>;
  /** Forgets a cached token, after the API answered 401 with it. */
  invalidate(): void;
  /** A secret-free description for messages: "static token", "OAuth client 'abc' of organization 'acme'". */
  describe(): string;
  /** True when a 401 may be answered by getting a token again (a new grant, a rotated file). */
  readonly renewable: boolean;
}

/** What to tell someone whose static token was refused: it expired, and how to stop that. */
export const STATIC_TOKEN_ADVICE =
  'static tokens expire (Imply Hybrid tokens live 5 minutes by default) and cannot be renewed: ' +
  'set IMPLY_CLIENT_ID, IMPLY_CLIENT_SECRET and IMPLY_ORGANIZATION so the worker gets and refreshes ' +
  'tokens itself, or IMPLY_TOKEN_FILE to a file you rotate';

/** A token the user already holds (IMPLY_TOKEN). Nothing to refresh. */
export class StaticTokenProvider implements TokenProvider {
  readonly #token: string;
  readonly renewable = false;

  constructor(token: string) {
    if (!token.trim())
      throw new Error('IMPLY_TOKEN is empty: set it to the bearer token of your OAuth client.');
    this.#token = token.trim();
  }

  /** Returns the token. Changes nothing; safe to retry. */
  async getToken(): Promise<string> {
    return this.#token;
  }

  /** Nothing to forget: a static token cannot be renewed. */
  invalidate(): void {}

  describe(): string {
    return 'static token (IMPLY_TOKEN)';
  }
}

/**
 * A token kept in a file (IMPLY_TOKEN_FILE), read on every use: an operator (or a sidecar) can
 * rotate it under a running worker. After a 401 the next use reads the file again.
 */
export class FileTokenProvider implements TokenProvider {
  readonly renewable = true;

  constructor(readonly path: string) {
    if (!path.trim())
      throw new Error('IMPLY_TOKEN_FILE is empty: set it to the path of a file holding the token.');
  }

  /** Reads the file. Changes nothing; safe to retry. */
  async getToken(): Promise<string> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new CloudManagerUnavailable(
        `IMPLY_TOKEN_FILE ${this.path} cannot be read (${code}): write the bearer token into it, or unset IMPLY_TOKEN_FILE.`,
        { operation: 'read IMPLY_TOKEN_FILE' },
      );
    }
    const token = text.trim();
    if (!token) {
      throw new CloudManagerUnavailable(
        `IMPLY_TOKEN_FILE ${this.path} is empty: write the bearer token into it.`,
        { operation: 'read IMPLY_TOKEN_FILE' },
      );
    }
    return token;
  }

  /** Nothing cached: the next use reads the file again. */
  invalidate(): void {}

  describe(): string {
    return `token file (IMPLY_TOKEN_FILE ${this.path})`;
  }
}

export interface ClientCredentialsOptions {
  clientId: string;
  clientSecret: string;
  organization: string;
  /** Default: https://id.imply.io/auth/realms/{organization}/protocol/openid-connect/token */
  tokenUrl?: string;
  dispatcher?: Dispatcher;
  /** Fetch a new token this long before the current one expires. */
  refreshMarginMs?: number;
  now?: () => number;
}

const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

/** The Keycloak token endpoint of an organization. */
export function defaultTokenUrl(organization: string): string {
  return `https://id.imply.io/auth/realms/${encodeURIComponent(organization)}/protocol/openid-connect/token`;
}

/** Keycloak client-credentials grant; tokens live minutes, so long runbooks must refresh them. */
export class ClientCredentialsTokenProvider implements TokenProvider {
  readonly #clientSecret: string;
  readonly #clientId: string;
  readonly #organization: string;
  readonly #tokenUrl: string;
  readonly #dispatcher?: Dispatcher;
  readonly #refreshMarginMs: number;
  readonly #now: () => number;
  #cached?: { token: string; refreshAt: number };
  #inFlight?: Promise<string>;
  readonly renewable = true;

  constructor(options: ClientCredentialsOptions) {
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#organization = options.organization;
    this.#tokenUrl = checkTokenUrl(options.tokenUrl ?? defaultTokenUrl(options.organization));
    this.#dispatcher = options.dispatcher;
    this.#refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Returns the cached token, or fetches one; concurrent callers share one fetch. Safe to retry. */
  async getToken(): Promise<string> {
    if (this.#cached && this.#now() < this.#cached.refreshAt) return this.#cached.token;
    this.#inFlight ??= this.#fetchToken().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Forgets the cached token so the next call fetches a new one. */
  invalidate(): void {
    this.#cached = undefined;
  }

  describe(): string {
    return `OAuth client '${this.#clientId}' of organization '${this.#organization}'`;
  }

  async #fetchToken(): Promise<string> {
    const operation = 'POST token endpoint';
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.#clientId,
      client_secret: this.#clientSecret,
    });
    const requestedAt = this.#now();
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.#tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        dispatcher: this.#dispatcher,
      });
    } catch (error) {
      throw this.#withoutSecrets(this.#unreachable(error, operation));
    }
    const text = await response.body.text();
    if (response.statusCode >= 300) {
      const retryAfter = response.headers['retry-after'];
      const body = oauthErrorAsEnvelope(text);
      const error = errorFromResponse(response.statusCode, body, stringHeader(retryAfter), operation);
      throw this.#withoutSecrets(
        error,
        `Could not get a token for ${this.describe()} from ${this.#tokenUrl}. `,
      );
    }
    const parsed = tokenAnswerSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new CloudManagerContractViolation(
        `The token endpoint ${this.#tokenUrl} answered without a usable access_token / expires_in.`,
        { status: response.statusCode, operation },
      );
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    // A token shorter-lived than the margin would otherwise be fetched again on every call.
    const marginMs = Math.min(this.#refreshMarginMs, lifetimeMs / 2);
    this.#cached = { token: parsed.data.access_token, refreshAt: requestedAt + lifetimeMs - marginMs };
    return parsed.data.access_token;
  }

  #unreachable(error: unknown, operation: string): CloudManagerError {
    if (error instanceof CloudManagerError) return error;
    return new CloudManagerUnavailable(
      `Could not reach the token endpoint ${this.#tokenUrl} for ${this.describe()} (${networkErrorCode(error)}). ` +
        'Check IMPLY_TOKEN_URL (or IMPLY_ORGANIZATION) and the network.',
      { operation },
    );
  }

  /** Keycloak may echo what it was sent; make sure the secret never leaves in a message. */
  #withoutSecrets<E extends CloudManagerError>(error: E, prefix = ''): E {
    const secrets = [this.#clientSecret, this.#cached?.token].filter((value): value is string => !!value);
    let message = prefix + error.message;
    for (const secret of secrets) message = message.split(secret).join('[redacted]');
    error.message = message;
    for (const detail of error.details) {
      for (const secret of secrets) {
        if (detail.message) detail.message = detail.message.split(secret).join('[redacted]');
      }
    }
    return error;
  }
}

const oauthErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().optional() });

/** Keycloak answers `{ error, error_description }` (RFC 6749); restate it in Imply's envelope. */
function oauthErrorAsEnvelope(text: string): string {
  const parsed = oauthErrorSchema.safeParse(safeJson(text));
  if (!parsed.success) return text;
  return JSON.stringify({ error: { code: parsed.data.error, message: parsed.data.error_description } });
}

function checkTokenUrl(tokenUrl: string): string {
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    throw new Error(
      `IMPLY_TOKEN_URL '${tokenUrl}' is not a URL: set it to the token endpoint, e.g. ${defaultTokenUrl('acme')}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`IMPLY_TOKEN_URL '${tokenUrl}' must be an http(s) URL, e.g. ${defaultTokenUrl('acme')}`);
  }
  return tokenUrl;
}

/** undici puts the reason in `code` or `cause.code`; messages are not a stable interface. */
function networkErrorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : 'unknown error';
}

function stringHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Picks the token source from the environment: the client-credentials trio when all three are set
 * (tokens are renewed, so long runbooks survive their expiry), else IMPLY_TOKEN_FILE (read on each
 * use), else IMPLY_TOKEN (static: it expires and cannot be renewed).
 */
export function tokenProviderFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  dispatcher?: Dispatcher,
): TokenProvider {
  const { IMPLY_CLIENT_ID, IMPLY_CLIENT_SECRET, IMPLY_ORGANIZATION } = env;
  if (IMPLY_CLIENT_ID && IMPLY_CLIENT_SECRET && IMPLY_ORGANIZATION) {
    return new ClientCredentialsTokenProvider({
      clientId: IMPLY_CLIENT_ID,
      clientSecret: IMPLY_CLIENT_SECRET,
      organization: IMPLY_ORGANIZATION,
      tokenUrl: env.IMPLY_TOKEN_URL || undefined,
      dispatcher,
    });
  }
  if (env.IMPLY_TOKEN_FILE) return new FileTokenProvider(env.IMPLY_TOKEN_FILE);
  if (env.IMPLY_TOKEN) return new StaticTokenProvider(env.IMPLY_TOKEN);
  const missing = ['IMPLY_CLIENT_ID', 'IMPLY_CLIENT_SECRET', 'IMPLY_ORGANIZATION'].filter(
    (name) => !env[name],
  );
  throw new Error(
    'No Cloud Manager credentials: set IMPLY_CLIENT_ID, IMPLY_CLIENT_SECRET and IMPLY_ORGANIZATION for an ' +
      `OAuth client (missing: ${missing.join(', ')}), or IMPLY_TOKEN_FILE to a file holding a bearer token, ` +
      'or IMPLY_TOKEN to a bearer token (it expires after minutes and cannot be renewed).',
  );
}
