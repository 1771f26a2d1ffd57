import { ApplicationFailure, Context } from '@temporalio/activity';
import { request } from 'undici';
import type { NotificationSettings } from './notify';

const POST_TIMEOUT_MS = 10_000;

/** Posts once; answers the problem in words that never include the URL (a secret). */
async function post(url: string, body: string): Promise<string | undefined> {
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      headersTimeout: POST_TIMEOUT_MS,
      bodyTimeout: POST_TIMEOUT_MS,
    });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 300
      ? undefined
      : `answered ${response.statusCode}`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `could not be reached (${typeof code === 'string' ? code : 'network error'})`;
  }
}

/**
 * Posts a message to every webhook that takes all events (one filtered to approval events does not
 * get it), from inside an activity. Safe to retry: the webhooks an attempt reached are kept in its
 * heartbeat details and skipped by the next attempt. Throws a retryable `failureType` naming webhooks
 * by number only.
 */
export async function deliverToAllEventWebhooks(
  notifications: NotificationSettings | undefined,
  message: unknown,
  what: string,
  failureType: string,
): Promise<void> {
  const urls = notifications?.webhookUrls ?? [];
  const heartbeat: unknown = Context.current().info.heartbeatDetails;
  const delivered = new Set<number>(Array.isArray(heartbeat) ? (heartbeat as number[]) : []);
  const pending = urls
    .map((url, index) => ({ url, webhook: index + 1 }))
    .filter(({ webhook }) => notifications?.webhookEvents?.[webhook - 1] === undefined)
    .filter(({ webhook }) => !delivered.has(webhook));
  if (pending.length === 0) return;
  const body = JSON.stringify(message);
  const problems: string[] = [];
  for (const { url, webhook } of pending) {
    const problem = await post(url, body);
    if (problem) problems.push(`webhook ${webhook} of ${urls.length} ${problem}`);
    else delivered.add(webhook);
  }
  Context.current().heartbeat([...delivered]);
  if (problems.length > 0) {
    throw ApplicationFailure.create({
      type: failureType,
      message: `${what} not delivered: ${problems.join('; ')}`,
    });
  }
}
