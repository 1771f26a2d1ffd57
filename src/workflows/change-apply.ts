import { ApplicationFailure, isCancellation, proxyActivities, upsertMemo } from '@temporalio/workflow';
import type { Activities, PlannedChange } from '../activities';
import {
  ROLLBACK_ABANDONED,
  type ChangeEvent,
  type ChangeInput,
  type ChangeRequest,
  type RollbackRecord,
} from '../shared/change';
import { FailureType } from '../shared/failure-types';
import { describeRequest } from '../shared/change-policy';
import { changes, reads } from './activities';
import { waitForState, waitUntilGone } from './cluster-steps';
import type { ChangeState } from './change-state';
import { failureText, failureType, VERIFICATION_FAILED, verifyChange } from './change-verify';
import type { RunbookTracker } from './progress';

/** Apply → wait → verify, and the rollback when any of them shows the change did not land as approved. */

export interface ChangeContext {
  input: ChangeInput;
  state: ChangeState;
  tracker: RunbookTracker;
  runbookId: string;
}

const ROLLBACK_REASONS: string[] = [
  FailureType.ClusterFailed,
  FailureType.DeadlineExceeded,
  VERIFICATION_FAILED,
];
const DEFAULT_REMINDER_MS = 4 * 3_600_000;
/** The memo key the cooldown reads back (LAST_CHANGE_MEMO in activities/change.ts). */
const LAST_CHANGE_MEMO = 'lastChange';

/** Paging is bounded: a webhook that is down must not hold the runbook long. */
const notifications = proxyActivities<Pick<Activities, 'notifyChange'>>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '30s' },
});

export async function notify(
  context: ChangeContext,
  kind: ChangeEvent['kind'],
  message: string,
): Promise<void> {
  const { input, runbookId, tracker } = context;
  const clusterName = tracker.snapshot().clusterName;
  const event: ChangeEvent = { kind, runbookId, clusterId: input.clusterId, clusterName, message };
  await notifications.notifyChange(event).catch(() => undefined);
}

/** Records when the change went out, before the PUT: a PUT whose answer was lost counts for the cooldown too. */
function recordApplied(context: ChangeContext): void {
  context.state.lastApplied = { appliedAt: new Date().toISOString(), runbookId: context.runbookId };
  upsertMemo({ [LAST_CHANGE_MEMO]: context.state.lastApplied });
}

/** Deletes the cluster and confirms its id answers 404; nothing to roll back. */
export async function applyDelete(context: ChangeContext, planned: PlannedChange): Promise<void> {
  const { input, tracker } = context;
  recordApplied(context);
  await tracker.step(
    'apply',
    () => changes.deleteCluster(input.clusterId),
    () => 'DELETE accepted',
  );
  await tracker.step(
    'wait',
    () => waitUntilGone(input.clusterId, tracker, input.wait),
    () => 'gone',
  );
  await tracker.step(
    'verify',
    async () => (await reads.isClusterGone(input.clusterId)) || Promise.reject(new Error('still answers')),
    () => `${planned.plan.clusterName} (${input.clusterId}) answers 404 by id`,
  );
  tracker.skip('rollback', 'a delete cannot be rolled back');
}

/** PUT → wait until RUNNING → verify; on FAILED, a timeout or a mismatch: roll back. */
export async function applyAndVerify(
  context: ChangeContext,
  planned: PlannedChange,
  kind: ChangeRequest['kind'],
): Promise<{ verified?: { before: number; after: number }; rollback?: RollbackRecord }> {
  const { input, tracker } = context;
  const id = input.clusterId;
  const before = planned.plan.resourceVersion;
  recordApplied(context);
  await tracker.step(
    'apply',
    () =>
      changes.replaceCluster(id, planned.request!, {
        expectedResourceVersion: before,
        force: input.policy.force,
      }),
    () => `PUT accepted at resource version ${before}${input.policy.force ? ' (force)' : ''}`,
  );
  try {
    await tracker.step(
      'wait',
      () => waitForState(id, ['RUNNING'], tracker, { ...input.wait, minResourceVersion: before + 1 }),
      (summary) => `RUNNING at resource version ${summary.resourceVersion}`,
    );
    const verified = await tracker.step(
      'verify',
      () => verifyChange(id, planned, kind),
      (version) => `resource version ${version.before} → ${version.after}; the API holds the approved spec`,
    );
    tracker.skip('rollback', 'not needed: the change is verified');
    return { verified };
  } catch (error) {
    if (isCancellation(error) || !ROLLBACK_REASONS.includes(failureType(error) ?? '')) throw error;
    return { rollback: await rollBack(context, before, failureText(error)) };
  }
}

/** Requests queued behind a change whose rollback was abandoned do not run: say so, never drop them silently. */
function droppedQueue(state: ChangeState): string {
  if (state.queued.length === 0) return '';
  return `; not run, trigger again once the cluster is sound: ${state.queued.map(describeRequest).join(', ')}`;
}

/** Puts the configuration of `version` back, waits and verifies; a failure waits for a person. */
async function rollBack(context: ChangeContext, version: number, reason: string): Promise<RollbackRecord> {
  const { state, tracker, input } = context;
  state.phase = 'rollback';
  for (let attempts = 1; ; attempts++) {
    try {
      const verified = await tracker.step(
        'rollback',
        () => restoreVersion(context, version, reason),
        (result) =>
          `put back version ${version} (${reason}); resource version ${result.before} → ${result.after}`,
      );
      await notify(context, 'rolled-back', `Rolled back to version ${version} because ${reason}.`);
      return { reason, restoredVersion: version, attempts, verified, decisions: state.rollbackDecisions };
    } catch (error) {
      if (isCancellation(error)) throw error;
      const problem = `rolling back to version ${version} (because ${reason}) failed: ${failureText(error)}`;
      tracker.detail(`${problem}; waiting for a person (signal rollbackDecision: retry or abandon)`);
      await notify(context, 'rollback-failed', problem);
      const reminderMs = input.rollbackReminderMs ?? DEFAULT_REMINDER_MS;
      const decision = await state.waitForPerson(problem, reminderMs, () => {
        void notify(context, 'rollback-reminder', `still waiting for a person: ${problem}`);
      });
      if (decision.decision === 'abandon') {
        const record = { reason, restoredVersion: version, attempts, decisions: state.rollbackDecisions };
        throw ApplicationFailure.create({
          type: ROLLBACK_ABANDONED,
          nonRetryable: true,
          message: `${decision.decider} abandoned the rollback: ${problem}${droppedQueue(state)}`,
          details: [record],
        });
      }
    }
  }
}

async function restoreVersion(context: ChangeContext, version: number, reason: string) {
  const { input, tracker } = context;
  const id = input.clusterId;
  const request: ChangeRequest = {
    kind: 'restore',
    toVersion: version,
    requester: 'imply-runbooks',
    reason: `rollback: ${reason}`,
    source: 'rollback',
  };
  const planned = await changes.planClusterChange(id, request);
  const from = planned.plan.resourceVersion;
  await changes.replaceCluster(id, planned.request!, {
    expectedResourceVersion: from,
    force: input.policy.force,
  });
  await waitForState(id, ['RUNNING'], tracker, { ...input.wait, minResourceVersion: from + 1 });
  return verifyChange(id, planned, 'restore');
}
