import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Who may trigger a change over HTTP: a caller holding the bearer token, or one that signs the body
 * with the shared secret (HMAC-SHA256, as webhooks from GitHub and others do). Both come from the
 * environment only, and neither is ever logged or echoed.
 */

export const TRIGGER_TOKEN_VARIABLE = 'IMPLY_RUNBOOKS_TRIGGER_TOKEN';
export const TRIGGER_SECRET_VARIABLE = 'IMPLY_RUNBOOKS_TRIGGER_SECRET';
/** `X-Imply-Runbooks-Signature: sha256=<hex of HMAC-SHA256(secret, body)>`. */
export const SIGNATURE_HEADER = 'x-imply-runbooks-signature';

export interface TriggerSecrets {
  token?: string;
  hmacSecret?: string;
}

const MIN_SECRET_LENGTH = 16;

/** The trigger secrets from the environment; throws naming the variable when one is too short to be safe. */
export function triggerSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): TriggerSecrets {
  const secrets: TriggerSecrets = {};
  for (const [key, name] of [
    ['token', TRIGGER_TOKEN_VARIABLE],
    ['hmacSecret', TRIGGER_SECRET_VARIABLE],
  ] as const) {
    const value = env[name]?.trim();
    if (!value) continue;
    if (value.length < MIN_SECRET_LENGTH) {
      throw new Error(`${name} is shorter than ${MIN_SECRET_LENGTH} characters: use a long random value`);
    }
    secrets[key] = value;
  }
  return secrets;
}

/** Whether any way to authenticate is configured: without one the endpoint stays closed. Pure. */
export function triggersEnabled(secrets: TriggerSecrets): boolean {
  return Boolean(secrets.token || secrets.hmacSecret);
}

/** Equal in constant time whatever the lengths: both sides are hashed first. */
function sameSecret(given: string | Buffer, expected: string | Buffer): boolean {
  const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The signature a sender computes over `body` with the shared secret: `sha256=<hex>`. Pure. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Why the request is not authenticated, or undefined when its token or its body's signature is right. Pure. */
export function authProblem(
  headers: IncomingHttpHeaders,
  body: Buffer,
  secrets: TriggerSecrets,
): string | undefined {
  const authorization = single(headers.authorization)?.trim() || undefined;
  const signature = single(headers[SIGNATURE_HEADER])?.trim() || undefined;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match && secrets.token && sameSecret(match[1]!, secrets.token)) return undefined;
    if (signature === undefined) return 'the bearer token is not valid';
  }
  if (signature !== undefined) {
    if (secrets.hmacSecret && sameSecret(signature.toLowerCase(), signBody(body, secrets.hmacSecret))) {
      return undefined;
    }
    return `the ${SIGNATURE_HEADER} signature does not match the body`;
  }
  return `authenticate with Authorization: Bearer <${TRIGGER_TOKEN_VARIABLE}> or an ${SIGNATURE_HEADER} HMAC-SHA256 signature of the body`;
}
