import type { ChangeEvent } from '../shared/change';
import type { NotificationSettings } from './notify';
import { deliverToAllEventWebhooks } from './webhook-delivery';

/**
 * Pages out what a change runbook cannot settle alone (a rollback that failed and waits for a
 * person), to the notification webhooks that take every event, through webhook-delivery.ts.
 */

export const CHANGE_NOTIFICATION_FAILED = 'ChangeNotificationFailed';

/** A Slack-compatible message for the event, with the runbook and how to answer it. Pure. */
export function changeMessage(event: ChangeEvent) {
  const headline =
    event.kind === 'rolled-back'
      ? `Change of ${event.clusterName} rolled back`
      : `Rollback of ${event.clusterName} failed: a person must decide`;
  const answer =
    event.kind === 'rolled-back'
      ? ''
      : `\nRetry: \`imply-runbooks rollback ${event.runbookId} --retry\`; leave it: \`imply-runbooks rollback ${event.runbookId} --abandon\``;
  return {
    text: headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: `${event.message}${answer}`.slice(0, 2900) } },
    ],
  };
}

/** The change notification activity, over the webhooks the worker read from its configuration. */
export const changeNotifyActivities = ({ notifications }: { notifications?: NotificationSettings }) => ({
  /**
   * Posts the event to every webhook that takes all events (one filtered to approval events does
   * not get it). Safe to retry: a retry skips the webhooks an earlier attempt reached.
   */
  async notifyChange(event: ChangeEvent): Promise<void> {
    await deliverToAllEventWebhooks(
      notifications,
      changeMessage(event),
      'change notification',
      CHANGE_NOTIFICATION_FAILED,
    );
  },
});
