import { ApplicationFailure, Context } from '@temporalio/activity';
import { request } from 'undici';
import { webhookUrls, webSettings, type Config } from '../config';
import type { ApprovalEvent } from '../shared/approval';
import { approvalMessage } from './approval-message';

type EventKind = ApprovalEvent['kind'];

/** Where approval events go: the webhook URLs (secrets) and the page links point at. */
export interface NotificationSettings {
  webhookUrls: string[];
  /** The approvals page as people reach it, for links: `<publicUrl>/approvals/<runbookId>`. */
  publicUrl: string;
  /** Per webhook, in the order of `webhookUrls`: the events it wants; absent or undefined: all. */
  webhookEvents?: Array<readonly EventKind[] | undefined>;
}

/**
 * The worker's notification settings from its configuration, URLs read from the environment once at
 * start. Throws (naming the key) when a webhook's variable is unset. Pure but for reading `env`.
 */
export function notificationSettings(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): NotificationSettings {
  return {
    webhookUrls: webhookUrls(config, env),
    publicUrl: webSettings(config).publicUrl,
    webhookEvents: config.notifications.webhooks.map((webhook) => webhook.events),
  };
}

/** The failure type of an undelivered notification, for the gate's proxy and for logs. */
export const WEBHOOK_DELIVERY_FAILED = 'WebhookDeliveryFailed';

const POST_TIMEOUT_MS = 10_000;

interface Delivery {
  /** 1-based, as people count: the URL itself is a secret and never printed. */
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

async function post(url: string, webhook: number, body: string): Promise<Delivery> {
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

function failureOf(failed: Delivery[], total: number): ApplicationFailure {
  const lines = failed.map((delivery) => `webhook ${delivery.webhook} of ${total} ${delivery.problem}`);
  const waits = failed.map((delivery) => delivery.retryAfterMs ?? 0);
  return ApplicationFailure.create({
    type: WEBHOOK_DELIVERY_FAILED,
    message: `approval notification not delivered: ${lines.join('; ')}`,
    nonRetryable: failed.every((delivery) => delivery.permanent),
    nextRetryDelay: Math.max(...waits) > 0 ? Math.max(...waits) : undefined,
  });
}

/** The notification activities, over the webhooks the worker read from its configuration at start. */
export const notifyActivities = ({ notifications }: { notifications?: NotificationSettings }) => ({
  /**
   * Posts the event as a Slack-compatible message to every configured webhook. Safe to retry: a
   * retry skips the webhooks an earlier attempt reached. Throws a retryable failure naming which
   * webhook failed by number (never by URL); posts nothing to a webhook that does not want this kind.
   */
  async notifyApproval(event: ApprovalEvent): Promise<void> {
    const urls = notifications?.webhookUrls ?? [];
    if (urls.length === 0) return;
    const body = JSON.stringify(approvalMessage(event, notifications?.publicUrl ?? ''));
    const delivered = deliveredBefore();
    const wants = (index: number) => notifications?.webhookEvents?.[index]?.includes(event.kind) ?? true;
    const pending = urls
      .map((url, index) => ({ url, webhook: index + 1, wanted: wants(index) }))
      .filter(({ webhook, wanted }) => wanted && !delivered.has(webhook));
    if (pending.length === 0) return;
    const results = await Promise.all(pending.map(({ url, webhook }) => post(url, webhook, body)));
    for (const result of results) if (!result.problem) delivered.add(result.webhook);
    Context.current().heartbeat([...delivered]);
    const failed = results.filter((result) => result.problem);
    if (failed.length > 0) throw failureOf(failed, urls.length);
  },
});
