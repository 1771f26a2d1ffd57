import { fleetSummaryLines } from '../shared/fleet-summary';
import type { OffHoursNotice } from '../shared/off-hours';
import type { FleetSummary } from '../shared/power';
import type { NotificationSettings } from './notify';
import { deliverToAllEventWebhooks } from './webhook-delivery';

/** The fleet run's summary, posted to the notification webhooks through webhook-delivery.ts. */

export const FLEET_NOTIFICATION_FAILED = 'FleetNotificationFailed';

/** A Slack-compatible message (`text` plus one section) of the summary. Pure. */
export function fleetMessage(summary: FleetSummary) {
  const [headline, ...rest] = fleetSummaryLines(summary);
  // Slack refuses a section text over 3,000 characters.
  const body = rest.join('\n').slice(0, 2900);
  return {
    text: headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } },
      ...(body ? [{ type: 'section', text: { type: 'mrkdwn', text: body } }] : []),
    ],
  };
}

/** The announcement to a cluster's owner before an off-hours guard stops it again. Pure. */
export function offHoursMessage(notice: OffHoursNotice) {
  const who = notice.owner ? `${notice.owner}: ` : '';
  const text =
    `${who}cluster ${notice.cluster} was started during the off-hours of schedule ${notice.scheduleName}; ` +
    `it will be stopped again at ${notice.stopAt} unless someone keeps it alive ` +
    `(imply-runbooks keep-alive ${notice.clusterId} --until 2h --reason '…').`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The fleet notification activity, over the webhooks the worker read from its configuration. */
export const fleetNotifyActivities = ({ notifications }: { notifications?: NotificationSettings }) => ({
  /**
   * Posts the fleet summary to every webhook that takes all events (one filtered to approval events
   * does not get it). Safe to retry: a retry skips the webhooks an earlier attempt reached.
   */
  async notifyFleetRun(summary: FleetSummary): Promise<void> {
    await deliverToAllEventWebhooks(
      notifications,
      fleetMessage(summary),
      'fleet summary',
      FLEET_NOTIFICATION_FAILED,
    );
  },

  /** Tells the webhooks (and so the owner) that a cluster will be stopped again. Safe to retry. */
  async notifyOffHours(notice: OffHoursNotice): Promise<void> {
    await deliverToAllEventWebhooks(
      notifications,
      offHoursMessage(notice),
      'off-hours notice',
      FLEET_NOTIFICATION_FAILED,
    );
  },
});
