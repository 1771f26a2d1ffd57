import { ApplicationFailure, Context } from '@temporalio/activity';
import { request } from 'undici';
import type { ApprovalEvent } from '../shared/approval';
import { SlackCallFailed, SlackWebApi } from '../slack/web-api';

/**
 * The one way activities post to the notification webhooks (approval requests, change and fleet
 * notices): each URL once per attempt, in parallel; a retry skips the webhooks an earlier attempt
 * reached (kept in the heartbeat details); a 4xx other than 408 and 429 is permanent; a
 * `Retry-After` sets the next attempt's delay. Webhooks are named by number only: a URL is a secret.
 */

type EventKind = ApprovalEvent['kind'];

/** Where approval events go: the webhook URLs (secrets) and the page links point at. */
export interface NotificationSettings {
  webhookUrls: string[];
  /** The approvals page as people reach it, for links: `<publicUrl>/approvals/<runbookId>`. */
  publicUrl: string;
  /** Per webhook, in the order of `webhookUrls`: the events it wants; absent or undefined: all. */
  webhookEvents?: Array<readonly EventKind[] | undefined>;
  /** Slack (notifications.slack): buttons when it takes clicks; a bot that posts approval requests. */
  slack?: {
    interactive: boolean;
    /** chat.postMessage to `channel` with the bot token (a secret, in the worker's memory only). */
    bot?: { apiUrl: string; token: string; channel: string };
  };
}

const POST_TIMEOUT_MS = 10_000;

/** One webhook to post to, 1-based as people count. */
export interface WebhookTarget {
  url: string;
  webhook: number;
  /** Posts through Slack's chat.postMessage with a bot token instead of to `url`. */
  slackBot?: { apiUrl: string; token: string; channel: string };
}

interface Delivery {
  webhook: number;
  problem?: string;
  /** Nothing a retry can change (a 4xx such as a revoked webhook's 404). */
  permanent?: boolean;
  retryAfterMs?: number;
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** undici names the reason in `code` or `cause.code`; its messages may carry the host, so they are not used. */
function networkCode(error: unknown): string {
  const candidate = error as { code?: unknown; cause?: { code?: unknown }; name?: unknown };
  const code = candidate?.code ?? candidate?.cause?.code ?? candidate?.name;
  return typeof code === 'string' ? code : 'network error';
}

async function postAsBot(
  webhook: number,
  bot: NonNullable<WebhookTarget['slackBot']>,
  message: unknown,
): Promise<Delivery> {
  try {
    await new SlackWebApi(bot.apiUrl, bot.token).postMessage(bot.channel, message as object);
    return { webhook };
  } catch (error) {
    if (error instanceof SlackCallFailed) {
      return { webhook, problem: `(the Slack bot) ${error.error}`, permanent: !error.retryable };
    }
    return { webhook, problem: `(the Slack bot) failed (${networkCode(error)})` };
  }
}

async function post({ url, webhook, slackBot }: WebhookTarget, body: string): Promise<Delivery> {
  if (slackBot) return postAsBot(webhook, slackBot, JSON.parse(body));
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      headersTimeout: POST_TIMEOUT_MS,
      bodyTimeout: POST_TIMEOUT_MS,
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    await response.body.dump();
    if (response.statusCode >= 200 && response.statusCode < 300) return { webhook };
    const status = response.statusCode;
    return {
      webhook,
      problem: `answered ${status}`,
      permanent: status >= 400 && status < 500 && status !== 408 && status !== 429,
      retryAfterMs: retryAfterMs(response.headers['retry-after']),
    };
  } catch (error) {
    return { webhook, problem: `could not be reached (${networkCode(error)})` };
  }
}

/** Webhooks an earlier attempt already delivered to (heartbeat details), so a retry posts only the rest. */
function deliveredBefore(): Set<number> {
  const details: unknown = Context.current().info.heartbeatDetails;
  return new Set(Array.isArray(details) ? details.filter((value) => typeof value === 'number') : []);
}

export interface DeliveryOptions {
  /** The webhooks that want this message (already filtered by event kind). */
  targets: WebhookTarget[];
  /** How many webhooks are configured in all, for "webhook 2 of 3". */
  total: number;
  message: unknown;
  /** What is delivered, for the failure message: `approval notification`, `fleet notice`. */
  what: string;
  failureType: string;
}

/** Posts `message` to every target not reached before; throws `failureType` naming the ones that failed. */
export async function deliverToWebhooks(options: DeliveryOptions): Promise<void> {
  const delivered = deliveredBefore();
  const pending = options.targets.filter(({ webhook }) => !delivered.has(webhook));
  if (pending.length === 0) return;
  const body = JSON.stringify(options.message);
  const results = await Promise.all(pending.map((target) => post(target, body)));
  for (const result of results) if (!result.problem) delivered.add(result.webhook);
  Context.current().heartbeat([...delivered]);
  const failed = results.filter((result) => result.problem);
  if (failed.length === 0) return;
  const lines = failed.map(
    (delivery) => `webhook ${delivery.webhook} of ${options.total} ${delivery.problem}`,
  );
  const waits = failed.map((delivery) => delivery.retryAfterMs ?? 0);
  throw ApplicationFailure.create({
    type: options.failureType,
    message: `${options.what} not delivered: ${lines.join('; ')}`,
    nonRetryable: failed.every((delivery) => delivery.permanent),
    nextRetryDelay: Math.max(...waits) > 0 ? Math.max(...waits) : undefined,
  });
}

/** The configured webhooks with their 1-based numbers, keeping those `wants` accepts. */
export function webhookTargets(urls: readonly string[], wants: (index: number) => boolean): WebhookTarget[] {
  return urls.map((url, index) => ({ url, webhook: index + 1 })).filter((_, index) => wants(index));
}

/** Posts to every webhook that takes all events (one filtered to approval events does not get it). */
export async function deliverToAllEventWebhooks(
  notifications: NotificationSettings | undefined,
  message: unknown,
  what: string,
  failureType: string,
): Promise<void> {
  const urls = notifications?.webhookUrls ?? [];
  const targets = webhookTargets(urls, (index) => notifications?.webhookEvents?.[index] === undefined);
  await deliverToWebhooks({ targets, total: urls.length, message, what, failureType });
}
