import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ApprovalEvent } from '../shared/approval';

/** Chat delivery is best effort: bounded, retried, never awaited on the runbook's path. */
const notifications = proxyActivities<Pick<Activities, 'notifyApproval'>>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m' },
});

/**
 * Sends the gate's events to `notifyApproval` without waiting for them: a webhook that is down
 * delays nothing and fails nothing. Only the runbook's end waits, bounded, for those in flight.
 */
export class ApprovalNotifier {
  private outstanding = 0;

  constructor(private readonly runbookId: string) {}

  /** Schedules the notification and returns at once; a failure after its retries is ignored. */
  send(event: Omit<ApprovalEvent, 'runbookId'>): void {
    this.outstanding++;
    notifications
      .notifyApproval({ runbookId: this.runbookId, ...event })
      .catch(() => undefined)
      .finally(() => this.outstanding--);
  }

  /** Waits at most `maxWaitMs` for notifications still in flight, so the last one is not dropped at the end. */
  async drain(maxWaitMs: number): Promise<void> {
    // No timer when nothing is in flight: a runbook without a gate keeps exactly its old commands.
    if (this.outstanding > 0) await condition(() => this.outstanding === 0, maxWaitMs);
  }
}
