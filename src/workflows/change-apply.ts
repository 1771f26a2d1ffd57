import {
  ActivityCancellationType,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  patched,
  proxyActivities,
  upsertMemo,
} from '@temporalio/workflow';
import type { Activities, PlannedChange } from '../activities';
import { LAST_CHANGE_MEMO, type ChangeRequest, type RollbackRecord } from '../shared/change';
import { FailureType } from '../shared/failure-types';
import { CHANGE_ACTIVITY_OPTIONS, changes, reads } from './activities';
import { waitForState, waitUntilGone } from './cluster-steps';
import { rollBack, skipPending, undoCancelledChange } from './change-rollback';
import type { ChangeContext } from './change-state';
import { VERIFICATION_FAILED, verifyChange } from './change-verify';
import { failureText, failureType } from './failures';

/**
 * Apply → wait → verify, and the rollback (change-rollback.ts) when any of them shows the change
 * did not land as approved, or a cancel comes once the PUT may have been sent.
 */

const ROLLBACK_REASONS: string[] = [
  FailureType.ClusterFailed,
  FailureType.DeadlineExceeded,
  VERIFICATION_FAILED,
];

/**
 * Marks runs in which a cancel after the PUT rolls the change back; histories recorded before it
 * replay as they ran (the cancel ended the run with the change in place).
 */
export const ROLLBACK_ON_CANCEL_PATCH = 'change-rollback-on-cancel';

/**
 * The PUT of a run that rolls back on cancel. A cancel waits for the attempt in flight to end (and
 * stops its retries), so the read that decides whether anything landed sees the truth.
 */
const applying = proxyActivities<Pick<Activities, 'replaceCluster'>>({
  ...CHANGE_ACTIVITY_OPTIONS,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

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

/**
 * PUT → wait until RUNNING → verify; on FAILED, a timeout or a mismatch: roll back. A cancel that
 * comes once the PUT may have been sent (a lost answer can still commit) rolls the change back
 * too, then ends the run cancelled; a rollback under way finishes before the run ends.
 */
export async function applyAndVerify(
  context: ChangeContext,
  planned: PlannedChange,
  kind: ChangeRequest['kind'],
): Promise<{ verified?: { before: number; after: number }; rollback?: RollbackRecord }> {
  const { input, tracker, state } = context;
  const id = input.clusterId;
  const before = planned.plan.resourceVersion;
  const watched = patched(ROLLBACK_ON_CANCEL_PATCH);
  if (watched) {
    const during = () => (state.cancelledDuring ??= tracker.snapshot().currentStep);
    void CancellationScope.current().cancelRequested.catch(during);
  }
  recordApplied(context);
  let checked: { verified: { before: number; after: number } } | { failed: string };
  try {
    await tracker.step(
      'apply',
      () =>
        (watched ? applying : changes).replaceCluster(id, planned.request!, {
          expectedResourceVersion: before,
          force: input.policy.force,
        }),
      () => `PUT accepted at resource version ${before}${input.policy.force ? ' (force)' : ''}`,
    );
    checked = await waitAndVerify(context, planned, kind);
  } catch (error) {
    if (!watched || !isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(() => undoCancelledChange(context, before));
    throw error;
  }
  if ('verified' in checked) return checked;
  if (!watched) return { rollback: await rollBack(context, before, checked.failed) };
  const rollback = await CancellationScope.nonCancellable(() => rollBack(context, before, checked.failed));
  if (CancellationScope.current().consideredCancelled) throw cancelledAfterRollback(context);
  return { rollback };
}

/** Wait until RUNNING, then verify; a failure that calls for a rollback comes back as its reason. */
async function waitAndVerify(
  context: ChangeContext,
  planned: PlannedChange,
  kind: ChangeRequest['kind'],
): Promise<{ verified: { before: number; after: number } } | { failed: string }> {
  const { input, tracker } = context;
  const id = input.clusterId;
  const before = planned.plan.resourceVersion;
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
    return { failed: failureText(error) };
  }
}

/** A cancel that came during a rollback waited for it: the run ends cancelled, saying so. */
function cancelledAfterRollback(context: ChangeContext): CancelledFailure {
  const { state, tracker } = context;
  const reason = state.cancelReason('rollback');
  const done = tracker.steps.find((step) => step.name === 'rollback')?.detail;
  tracker.detail(`${done}; ${reason}: the rollback was finished first`);
  skipPending(context, reason);
  return new CancelledFailure(`${reason}: the rollback was finished first`);
}
