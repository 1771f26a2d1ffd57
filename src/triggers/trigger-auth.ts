import type { IncomingHttpHeaders } from 'node:http';
import {
  constantTimeEqual,
  SIGNATURE_HEADER,
  signatureToleranceFromEnv,
  TIMESTAMP_HEADER,
  TRIGGER_SECRET_VARIABLE,
  type AuthProblem,
  type SignatureVerifier,
} from './trigger-signature';

/**
 * Who may trigger a change over HTTP: a caller holding the bearer token, or one that signs the
 * timestamp and body with the shared secret (HMAC-SHA256, replay-proof: `trigger-signature.ts`).
 * Both come from the environment only, and neither is ever logged or echoed.
 */

export const TRIGGER_TOKEN_VARIABLE = 'IMPLY_RUNBOOKS_TRIGGER_TOKEN';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER, TRIGGER_SECRET_VARIABLE, type AuthProblem };

export interface TriggerSecrets {
  token?: string;
  hmacSecret?: string;
  /** How far a signed request's timestamp may be from the server's clock; default 5 minutes. */
  signatureToleranceMs?: number;
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
  if (secrets.hmacSecret) secrets.signatureToleranceMs = signatureToleranceFromEnv(env);
  return secrets;
}

/** Whether any way to authenticate is configured: without one the endpoint stays closed. Pure. */
export function triggersEnabled(secrets: TriggerSecrets): boolean {
  return Boolean(secrets.token || secrets.hmacSecret);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Why the request is not authenticated, or undefined when its bearer token is right or `signatures`
 * accepts its signature. Not idempotent for signed requests: an accepted signature is remembered.
 */
export function authProblem(
  headers: IncomingHttpHeaders,
  body: Buffer,
  secrets: TriggerSecrets,
  signatures?: SignatureVerifier,
): AuthProblem | undefined {
  const authorization = single(headers.authorization)?.trim() || undefined;
  const signature = single(headers[SIGNATURE_HEADER])?.trim() || undefined;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match && secrets.token && constantTimeEqual(match[1]!, secrets.token)) return undefined;
    if (signature === undefined) return { status: 401, message: 'the bearer token is not valid' };
  }
  if (signature !== undefined) {
    if (!secrets.hmacSecret || !signatures) {
      return {
        status: 401,
        message: `this server takes no signed triggers (${TRIGGER_SECRET_VARIABLE} is not set): use Authorization: Bearer`,
      };
    }
    return signatures.check(signature, single(headers[TIMESTAMP_HEADER]), body);
  }
  return {
    status: 401,
    message:
      `authenticate with Authorization: Bearer <${TRIGGER_TOKEN_VARIABLE}>, or sign the request: ` +
      `X-Imply-Runbooks-Timestamp and an X-Imply-Runbooks-Signature HMAC-SHA256 of "v1:<timestamp>:<body>"`,
  };
}
