import { ApplicationFailure, Context } from '@temporalio/activity';
import { request } from 'undici';
import { fleetSummaryLines } from '../shared/fleet-summary';
import type { FleetSummary } from '../shared/power';
import type { NotificationSettings } from './notify';

/**
 * The fleet run's summary posted to the notification webhooks. notify.ts (approvals) has no generic
 * "post this message" export yet, so the POST lives here; fold it into notify.ts once it has one.
 */

const POST_TIMEOUT_MS = 10_000;
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

/** The fleet notification activity, over the webhooks the worker read from its configuration. */
export const fleetNotifyActivities = ({ notifications }: { notifications?: NotificationSettings }) => ({
  /**
   * Posts the fleet summary to every webhook that takes all events (one filtered to approval events
   * does not get it). Safe to retry: a retry skips the webhooks an earlier attempt reached.
   */
  async notifyFleetRun(summary: FleetSummary): Promise<void> {
    const urls = notifications?.webhookUrls ?? [];
    const heartbeat: unknown = Context.current().info.heartbeatDetails;
    const delivered = new Set<number>(Array.isArray(heartbeat) ? (heartbeat as number[]) : []);
    const pending = urls
      .map((url, index) => ({ url, webhook: index + 1 }))
      .filter(({ webhook }) => notifications?.webhookEvents?.[webhook - 1] === undefined)
      .filter(({ webhook }) => !delivered.has(webhook));
    if (pending.length === 0) return;
    const body = JSON.stringify(fleetMessage(summary));
    const problems: string[] = [];
    for (const { url, webhook } of pending) {
      const problem = await post(url, body);
      if (problem) problems.push(`webhook ${webhook} of ${urls.length} ${problem}`);
      else delivered.add(webhook);
    }
    Context.current().heartbeat([...delivered]);
    if (problems.length > 0) {
      throw ApplicationFailure.create({
        type: FLEET_NOTIFICATION_FAILED,
        message: `fleet summary not delivered: ${problems.join('; ')}`,
      });
    }
  },
});
