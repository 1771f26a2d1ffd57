import { webhookUrls, webSettings, type Config } from '../config';
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
  return {
    webhookUrls: webhookUrls(config, env),
    publicUrl: webSettings(config).publicUrl,
    webhookEvents: config.notifications.webhooks.map((webhook) => webhook.events),
  };
}

/** The failure type of an undelivered notification, for the gate's proxy and for logs. */
export const WEBHOOK_DELIVERY_FAILED = 'WebhookDeliveryFailed';

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
    const wants = (index: number) => notifications?.webhookEvents?.[index]?.includes(event.kind) ?? true;
    await deliverToWebhooks({
      targets: webhookTargets(urls, wants),
      total: urls.length,
      message: approvalMessage(event, notifications?.publicUrl ?? ''),
      what: 'approval notification',
      failureType: WEBHOOK_DELIVERY_FAILED,
    });
  },
});
