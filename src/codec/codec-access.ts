import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Who may use the codec server: a bearer token (IMPLY_RUNBOOKS_CODEC_TOKEN), or a browser session
 * made by signing in with it, for the Temporal UI, whose requests carry cookies
 * ("include cross-origin credentials") but no header of ours. And from where: the UI's origin only.
 */

export const CODEC_TOKEN_VARIABLE = 'IMPLY_RUNBOOKS_CODEC_TOKEN';
export const SESSION_COOKIE = 'imply-runbooks-codec-session';
/** A browser session lasts a working day; then sign in again. */
const SESSION_MS = 12 * 60 * 60 * 1000;

const digest = (text: string) => createHash('sha256').update(text).digest();

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export class CodecAccess {
  readonly #tokenDigest: Buffer;
  /** Session id → when it expires. */
  readonly #sessions = new Map<string, number>();
  readonly #origins: Set<string>;

  constructor(token: string, allowedOrigins: readonly string[]) {
    if (token.trim().length < 16) {
      throw new Error(
        `${CODEC_TOKEN_VARIABLE} must be set to a secret of 16 characters or more (openssl rand -hex 24)`,
      );
    }
    this.#tokenDigest = digest(token.trim());
    this.#origins = new Set(allowedOrigins.map((origin) => origin.toLowerCase().replace(/\/$/, '')));
  }

  /** True when `token` is the codec token; compares digests in constant time. */
  tokenMatches(token: string): boolean {
    return timingSafeEqual(digest(token.trim()), this.#tokenDigest);
  }

  /** True for a bearer token or a signed-in session cookie. */
  authorized(request: IncomingMessage): boolean {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (bearer && this.tokenMatches(bearer[1] as string)) return true;
    const session = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const expiresAt = session === undefined ? undefined : this.#sessions.get(session);
    if (expiresAt === undefined || session === undefined) return false;
    if (expiresAt > Date.now()) return true;
    this.#sessions.delete(session);
    return false;
  }

  /** Starts a browser session: a random id in an HttpOnly, SameSite=Strict cookie. */
  startSession(response: ServerResponse): void {
    const session = randomBytes(32).toString('base64url');
    this.#sessions.set(session, Date.now() + SESSION_MS);
    response.setHeader(
      'Set-Cookie',
      `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`,
    );
  }

  /**
   * The CORS verdict for a request: no Origin (curl, the CLI) is fine; a listed origin gets the CORS
   * headers; any other origin is refused, so no other page can drive the codec with a user's cookie.
   */
  allowOrigin(request: IncomingMessage, response: ServerResponse): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    if (!this.#origins.has(origin.toLowerCase())) return false;
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Allow-Credentials', 'true');
    response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    response.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
    response.setHeader('Access-Control-Max-Age', '600');
    response.setHeader('Vary', 'Origin');
    return true;
  }

  /** The origins allowed, for messages. */
  origins(): string[] {
    return [...this.#origins];
  }
}
