import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../triggers/trigger-signature';

/**
 * Slack's request signing, as Slack documents it: `X-Slack-Signature: v0=<hex HMAC-SHA256 of
 * "v0:<X-Slack-Request-Timestamp>:<raw body>">` keyed with the app's signing secret; a timestamp more
 * than 5 minutes from the server's clock is refused (a captured request cannot be replayed later),
 * and the comparison takes the same time wherever the signatures differ.
 */

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
export const SLACK_TOLERANCE_MS = 5 * 60_000;

/** The signature Slack sends for `body` at `timestamp` (seconds). Pure. */
export function slackSignature(
  signingSecret: string,
  timestamp: number | string,
  body: string | Buffer,
): string {
  const hmac = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body);
  return `v0=${hmac.digest('hex')}`;
}

/** The two headers Slack adds to a request with `body`, signed at `nowMs`: for tests and stand-ins. Pure. */
export function slackSignatureHeaders(
  signingSecret: string,
  body: string | Buffer,
  nowMs: number = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [SLACK_TIMESTAMP_HEADER]: String(timestamp),
    [SLACK_SIGNATURE_HEADER]: slackSignature(signingSecret, timestamp, body),
  };
}

/** Why a request is not from Slack (or is too old), or undefined when it is. Pure. */
export function slackSignatureProblem(
  signingSecret: string,
  signature: string | undefined,
  timestamp: string | undefined,
  body: Buffer,
  nowMs: number = Date.now(),
): string | undefined {
  if (!signature || !timestamp)
    return 'the request carries no X-Slack-Signature and X-Slack-Request-Timestamp';
  if (!/^\d{1,11}$/.test(timestamp.trim())) return 'X-Slack-Request-Timestamp is not a Unix time in seconds';
  const skewMs = Math.abs(nowMs - Number(timestamp.trim()) * 1000);
  if (skewMs > SLACK_TOLERANCE_MS) {
    return `X-Slack-Request-Timestamp is ${Math.round(skewMs / 1000)} s from the server's clock (at most 300 s): a replayed or delayed request`;
  }
  const expected = slackSignature(signingSecret, timestamp.trim(), body);
  if (!constantTimeEqual(signature.trim(), expected)) {
    return 'X-Slack-Signature does not match: the request was not signed with this app’s signing secret';
  }
  return undefined;
}
