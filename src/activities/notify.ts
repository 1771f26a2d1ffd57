import { slackSettings, webhookUrls, webSettings, type Config } from '../config';
import type { ApprovalEvent } from '../shared/approval';
import { approvalMessage } from './approval-message';
import { deliverToWebhooks, webhookTargets, type NotificationSettings } from './webhook-delivery';

export type { NotificationSettings } from './webhook-delivery';

/**
 * The worker's notification settings from its configuration, URLs read from the environment once at
 * start. Throws (naming the key) when a webhook's variable is unset. Pure but for reading `env`.
 */
export function notificationSettings(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): NotificationSettings {
  const slack = slackSettings(config, { signingSecret: false }, env);
  const bot =
    slack?.botToken && slack.channel
      ? { apiUrl: slack.apiUrl, token: slack.botToken, channel: slack.channel }
      : undefined;
  return {
    webhookUrls: webhookUrls(config, env),
    publicUrl: webSettings(config).publicUrl,
    webhookEvents: config.notifications.webhooks.map((webhook) => webhook.events),
    ...(slack ? { slack: { interactive: slack.interactive, ...(bot ? { bot } : {}) } } : {}),
  };
}

/** The failure type of an undelivered notification, for the gate's proxy and for logs. */
export const WEBHOOK_DELIVERY_FAILED = 'WebhookDeliveryFailed';

/** The notification activities, over the webhooks the worker read from its configuration at start. */
export const notifyActivities = ({ notifications }: { notifications?: NotificationSettings }) => ({
  /**
   * Posts the event as a Slack-compatible message to every configured webhook, and through the
   * Slack bot to its channel when one is configured (with Approve and Reject buttons while the gate
   * is open, when the configuration takes clicks). Safe to retry: a retry skips the targets an
   * earlier attempt reached. Throws a retryable failure naming which webhook failed by number (never
   * by URL); posts nothing to a webhook that does not want this kind.
   */
  async notifyApproval(event: ApprovalEvent): Promise<void> {
    const urls = notifications?.webhookUrls ?? [];
    const bot = notifications?.slack?.bot;
    if (urls.length === 0 && !bot) return;
    const wants = (index: number) => notifications?.webhookEvents?.[index]?.includes(event.kind) ?? true;
    const targets = webhookTargets(urls, wants);
    if (bot) targets.push({ url: `${bot.apiUrl}/chat.postMessage`, webhook: urls.length + 1, slackBot: bot });
    const interactive = notifications?.slack?.interactive ?? false;
    await deliverToWebhooks({
      targets,
      total: urls.length + (bot ? 1 : 0),
      message: approvalMessage(event, notifications?.publicUrl ?? '', { interactive }),
      what: 'approval notification',
      failureType: WEBHOOK_DELIVERY_FAILED,
    });
  },
});
