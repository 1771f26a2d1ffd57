import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { formatDuration, parseDuration } from '../shared/durations';
import { SeenSignatures } from './seen-signatures';

/**
 * Signed change triggers, replay-proof the way Slack and Stripe webhooks are: the sender signs
 * `v1:<timestamp>:<body>` (HMAC-SHA256 with the shared secret, hex, after `sha256=`) and sends the
 * timestamp beside it. The server refuses a timestamp too far from its clock, and a signature it
 * has accepted before. The body-only signatures of earlier versions are refused with the new scheme.
 */

export const TRIGGER_SECRET_VARIABLE = 'IMPLY_RUNBOOKS_TRIGGER_SECRET';
export const SIGNATURE_TOLERANCE_VARIABLE = 'IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE';
/** `X-Imply-Runbooks-Signature: sha256=<hex of HMAC-SHA256(secret, "v1:<timestamp>:<body>")>`. */
export const SIGNATURE_HEADER = 'x-imply-runbooks-signature';
/** `X-Imply-Runbooks-Timestamp: <Unix time in seconds>`, the one inside the signature. */
export const TIMESTAMP_HEADER = 'x-imply-runbooks-timestamp';
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;
const MIN_TOLERANCE_MS = 1_000;
const MAX_TOLERANCE_MS = 60 * 60_000;

const SIGNATURE = 'X-Imply-Runbooks-Signature';
const TIMESTAMP = 'X-Imply-Runbooks-Timestamp';
const howToSign = (secretVariable: string) =>
  `send ${TIMESTAMP}: <Unix time in seconds> and ${SIGNATURE}: sha256=<hex HMAC-SHA256, keyed with ` +
  `${secretVariable}, of "v1:<timestamp>:<body>">`;
const oldScheme = (secretVariable: string) =>
  `the ${SIGNATURE} signs the body alone, a scheme no longer accepted because such a request can be ` +
  `replayed: ${howToSign(secretVariable)}`;

/** Why a trigger request is refused, with the status to answer. */
export interface AuthProblem {
  status: 401 | 409 | 429;
  message: string;
  retryAfterSeconds?: number;
}

/** Equal in constant time whatever the lengths: both sides are hashed first. Pure. */
export function constantTimeEqual(given: string | Buffer, expected: string | Buffer): boolean {
  const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The signature a sender computes: `sha256=<hex HMAC-SHA256(secret, "v1:<timestamp>:<body>")>`. Pure. */
export function signBody(body: string | Buffer, secret: string, timestamp: number | string): string {
  const hmac = createHmac('sha256', secret).update(`v1:${timestamp}:`).update(body);
  return `sha256=${hmac.digest('hex')}`;
}

/** The two headers that sign `body` at `nowMs` (default: now), as a sender adds them. */
export function signatureHeaders(
  body: string | Buffer,
  secret: string,
  nowMs: number = Date.now(),
): Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signBody(body, secret, timestamp) };
}

/** The tolerance from the environment (a duration: `5m`, `90s`); throws naming the variable. Pure. */
export function signatureToleranceFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env[SIGNATURE_TOLERANCE_VARIABLE]?.trim();
  if (!text) return DEFAULT_SIGNATURE_TOLERANCE_MS;
  const toleranceMs = parseDuration(text, SIGNATURE_TOLERANCE_VARIABLE);
  if (toleranceMs < MIN_TOLERANCE_MS || toleranceMs > MAX_TOLERANCE_MS) {
    throw new Error(
      `${SIGNATURE_TOLERANCE_VARIABLE} "${text}" is out of range: give a duration from 1s to 1h (default 5m)`,
    );
  }
  return toleranceMs;
}

export interface SignatureVerifierOptions {
  secret: string;
  /** How far a timestamp may be from the server's clock, either way; default 5 minutes. */
  toleranceMs?: number;
  /** Signatures remembered at once (replay protection); default 10,000. */
  maxSeen?: number;
  now?: () => number;
  /** The variable holding the secret, for the how-to-sign of a refusal; default the triggers'. */
  secretVariable?: string;
  /** What is signed, for the replay refusal: `trigger` (default), `decision`. */
  what?: string;
}

/** Checks signed requests for one server, remembering those it accepted. */
export class SignatureVerifier {
  readonly toleranceMs: number;
  private readonly secret: string;
  private readonly now: () => number;
  private readonly seen: SeenSignatures;
  private readonly secretVariable: string;
  private readonly what: string;

  constructor(options: SignatureVerifierOptions) {
    this.secret = options.secret;
    this.secretVariable = options.secretVariable ?? TRIGGER_SECRET_VARIABLE;
    this.what = options.what ?? 'trigger';
    this.toleranceMs = options.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
    this.now = options.now ?? Date.now;
    this.seen = new SeenSignatures(options.maxSeen, this.now);
  }

  /** Signatures remembered now (accepted, their timestamps still inside the window). */
  get rememberedCount(): number {
    return this.seen.size;
  }

  /**
   * Why the signed request is refused, or undefined when it is authentic, fresh and new. Not
   * idempotent: an accepted signature is remembered, so the same request a second time is a replay.
   */
  check(signature: string, timestamp: string | undefined, body: Buffer): AuthProblem | undefined {
    const given = signature.trim().toLowerCase();
    const text = timestamp?.trim() ?? '';
    const forged = this.authenticityProblem(given, text, body);
    if (forged) return { status: 401, message: forged };
    const timestampMs = Number(text) * 1000;
    const skew = this.skewProblem(text, timestampMs);
    if (skew) return { status: 401, message: skew };
    return this.replayProblem(given, timestampMs);
  }

  /** Whether the signature is the secret's, over this timestamp and body. */
  private authenticityProblem(given: string, timestamp: string, body: Buffer): string | undefined {
    if (timestamp === '') {
      return this.signsBodyOnly(given, body)
        ? oldScheme(this.secretVariable)
        : `${SIGNATURE} needs ${TIMESTAMP}: ${howToSign(this.secretVariable)}`;
    }
    if (!/^\d{1,11}$/.test(timestamp)) {
      return (
        `${TIMESTAMP} ${JSON.stringify(timestamp.slice(0, 24))} is not a Unix time in seconds ` +
        `(as \`date +%s\` prints, e.g. ${Math.floor(this.now() / 1000)})`
      );
    }
    if (constantTimeEqual(given, signBody(body, this.secret, timestamp))) return undefined;
    if (this.signsBodyOnly(given, body)) return oldScheme(this.secretVariable);
    return `the ${SIGNATURE} signature does not match the timestamp and body: ${howToSign(this.secretVariable)}, over the exact bytes sent`;
  }

  /** Remembers an accepted signature until its timestamp leaves the window; refuses one seen before. */
  private replayProblem(given: string, timestampMs: number): AuthProblem | undefined {
    const remembered = this.seen.remember(given, timestampMs + this.toleranceMs);
    if (remembered.outcome === 'seen') {
      const when = new Date(remembered.firstSeenAtMs).toISOString();
      return {
        status: 409,
        message:
          `replayed: this ${SIGNATURE} was accepted already, at ${when}; each ${this.what} needs its own ` +
          `${TIMESTAMP} and signature (the same body signed in the same second is the same request)`,
      };
    }
    if (remembered.outcome === 'full') {
      const retryAfterSeconds = Math.max(1, Math.ceil(remembered.retryAfterMs / 1000));
      const window = formatDuration(this.toleranceMs);
      return {
        status: 429,
        message: `too many signed ${this.what}s within ${window}: try again in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      };
    }
    return undefined;
  }

  private signsBodyOnly(given: string, body: Buffer): boolean {
    const bodyOnly = `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`;
    return constantTimeEqual(given, bodyOnly);
  }

  private skewProblem(text: string, timestampMs: number): string | undefined {
    const now = this.now();
    const skewMs = now - timestampMs;
    if (Math.abs(skewMs) <= this.toleranceMs) return undefined;
    const seconds = Math.round(Math.abs(skewMs) / 1000);
    const direction = skewMs > 0 ? 'behind' : 'ahead of';
    const serverTime = `${Math.floor(now / 1000)}, ${new Date(now).toISOString()}`;
    return (
      `the ${TIMESTAMP} ${text} is ${seconds} s ${direction} the server's clock (server time ${serverTime}); ` +
      `it must be within ${formatDuration(this.toleranceMs)} (${SIGNATURE_TOLERANCE_VARIABLE}): ` +
      `sign each request as you send it, with the current time, and check the sender's clock`
    );
  }
}
