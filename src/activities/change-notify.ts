import { ApplicationFailure, Context } from '@temporalio/activity';
import { request } from 'undici';
import type { ChangeEvent } from '../shared/change';
import type { NotificationSettings } from './notify';

/**
 * Pages out what a change runbook cannot settle alone (a rollback that failed and waits for a
 * person), to the notification webhooks that take every event, as fleet-notify.ts does.
 */

const POST_TIMEOUT_MS = 10_000;
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

/** The change notification activity, over the webhooks the worker read from its configuration. */
export const changeNotifyActivities = ({ notifications }: { notifications?: NotificationSettings }) => ({
  /**
   * Posts the event to every webhook that takes all events (one filtered to approval events does
   * not get it). Safe to retry: a retry skips the webhooks an earlier attempt reached.
   */
  async notifyChange(event: ChangeEvent): Promise<void> {
    const urls = notifications?.webhookUrls ?? [];
    const heartbeat: unknown = Context.current().info.heartbeatDetails;
    const delivered = new Set<number>(Array.isArray(heartbeat) ? (heartbeat as number[]) : []);
    const pending = urls
      .map((url, index) => ({ url, webhook: index + 1 }))
      .filter(({ webhook }) => notifications?.webhookEvents?.[webhook - 1] === undefined)
      .filter(({ webhook }) => !delivered.has(webhook));
    if (pending.length === 0) return;
    const body = JSON.stringify(changeMessage(event));
    const problems: string[] = [];
    for (const { url, webhook } of pending) {
      const problem = await post(url, body);
      if (problem) problems.push(`webhook ${webhook} of ${urls.length} ${problem}`);
      else delivered.add(webhook);
    }
    Context.current().heartbeat([...delivered]);
    if (problems.length > 0) {
      throw ApplicationFailure.create({
        type: CHANGE_NOTIFICATION_FAILED,
        message: `change notification not delivered: ${problems.join('; ')}`,
      });
    }
  },
});
