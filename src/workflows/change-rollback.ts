import { ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  ROLLBACK_ABANDONED,
  type ChangeEvent,
  type ChangeRequest,
  type RollbackRecord,
} from '../shared/change';
import { describeRequest } from '../shared/change-policy';
import { changes, reads } from './activities';
import type { ChangeContext } from './change-state';
import type { ChangeState } from './change-state';
import { verifyChange } from './change-verify';
import { failureText } from './failures';
import { waitForState } from './cluster-steps';

/**
 * Putting the previous configuration back: after a change that failed (FAILED, a timeout, a
 * mismatch) or was cancelled once its PUT may have been sent. A rollback that fails pages out and
 * waits for a person (`rollbackDecision`: retry or abandon).
 */

const DEFAULT_REMINDER_MS = 4 * 3_600_000;

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

/** Puts the configuration of `version` back, waits and verifies; a failure waits for a person. */
export async function rollBack(
  context: ChangeContext,
  version: number,
  reason: string,
): Promise<RollbackRecord> {
  const { result: verified, attempts } = await untilRestored(
    context,
    version,
    reason,
    () => restoreVersion(context, version, reason),
    (result) =>
      `put back version ${version} (${reason}); resource version ${result.before} → ${result.after}`,
  );
  await notify(context, 'rolled-back', `Rolled back to version ${version} because ${reason}.`);
  return { reason, restoredVersion: version, attempts, verified, decisions: context.state.rollbackDecisions };
}

/**
 * After a cancel that came once the PUT may have been sent: when the cluster moved past `version`,
 * lets the cancelled change settle and puts `version` back (a failure waits for a person, as any
 * rollback); when it is still at `version`, the PUT never landed and nothing is put back. Run it
 * non-cancellable: a second cancel must not leave it halfway.
 */
export async function undoCancelledChange(context: ChangeContext, version: number): Promise<void> {
  const { state, tracker } = context;
  const reason = state.cancelReason(tracker.snapshot().currentStep);
  const notLanded = `${reason}: the cluster is still at resource version ${version}, so the PUT never landed: nothing to roll back`;
  const { result } = await untilRestored(
    context,
    version,
    reason,
    () => restoreAfterCancel(context, version, reason),
    (restored) =>
      restored
        ? `put back version ${version} (${reason}); resource version ${restored.before} → ${restored.after}`
        : notLanded,
  );
  skipPending(context, reason);
  if (!result) return tracker.skip('rollback', notLanded);
  await notify(context, 'rolled-back', `Rolled back to version ${version} because ${reason}.`);
}

/** Marks the steps a cancel left unrun as skipped, with its reason. */
export function skipPending(context: ChangeContext, reason: string): void {
  const { tracker } = context;
  for (const step of tracker.steps) if (step.status === 'pending') tracker.skip(step.name, reason);
}

/** Requests queued behind a change whose rollback was abandoned do not run: say so, never drop them silently. */
function droppedQueue(state: ChangeState): string {
  if (state.queued.length === 0) return '';
  return `; not run, trigger again once the cluster is sound: ${state.queued.map(describeRequest).join(', ')}`;
}

/** The rollback step, again each time a person answers `retry`; throws when they answer `abandon`. */
async function untilRestored<T>(
  context: ChangeContext,
  version: number,
  reason: string,
  restore: () => Promise<T>,
  describe: (result: T) => string,
): Promise<{ result: T; attempts: number }> {
  const { state, tracker, input } = context;
  state.phase = 'rollback';
  for (let attempts = 1; ; attempts++) {
    try {
      return { result: await tracker.step('rollback', restore, describe), attempts };
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

/** Reads the cluster: undefined when still at `version`; else waits out the change in flight, then restores. */
async function restoreAfterCancel(context: ChangeContext, version: number, reason: string) {
  const { input, tracker } = context;
  const summary = await reads.getClusterSummary(input.clusterId);
  tracker.cluster({ resourceVersion: summary.resourceVersion, state: summary.state });
  if (summary.resourceVersion === version) return undefined;
  // The API refuses a PUT while the cancelled change is still UPDATING (409): let it end first.
  await waitForState(input.clusterId, ['RUNNING', 'FAILED'], tracker, {
    ...input.wait,
    minResourceVersion: version + 1,
  });
  return restoreVersion(context, version, reason);
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
