import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { ApprovalPolicy } from '../../src/shared/approval';
import { changeStartOptions, type ChangeInput, type ChangePolicy } from '../../src/shared/change';
import { changeRunbook, runbookProgressQuery } from '../../src/workflows';
import { cancelledBySignal } from '../../src/workflows/change-messages';
import { named, runningCluster, until, WAIT, type Recording, type RecordingContext } from './recording';

/**
 * Change runbooks scaling data.tier1 of a RUNNING cluster from 1 to 2 replicas, started as a trigger
 * starts them (`changeStartOptions`, the request in the input) under a policy that auto-approves
 * scales: verified, rolled back after the update ends FAILED, and cancelled while the cluster is
 * UPDATING after the PUT (the rollback of patch `change-rollback-on-cancel`).
 */

type ChangeHandle = WorkflowHandle<typeof changeRunbook>;

const POLICY: ChangePolicy = {
  name: 'recorder',
  bounds: {},
  cooldownMs: 0,
  autoApprove: ['scale'],
  force: false,
  protected: false,
};
/** Not asked: the policy auto-approves scales. */
const APPROVAL: ApprovalPolicy = {
  name: 'recorder',
  stage: { groups: ['ops'], approvers: ['alice'], required: 1, timeoutMs: 3_600_000 },
};

async function startScale(context: RecordingContext, clusterName: string, clusterId: string) {
  const input: ChangeInput = {
    clusterId,
    clusterName,
    policy: POLICY,
    approval: APPROVAL,
    wait: WAIT,
    request: {
      kind: 'scale',
      changes: [{ path: 'spec.data.tier1.replicas', value: 2 }],
      requester: 'recorder',
      source: 'cli',
    },
  };
  // The id is change:<uid> as for every trigger: the emulator's fresh uid keeps it unique.
  return context.client.workflow.start(changeRunbook, changeStartOptions(input, context.taskQueue));
}

/** A change that ends with this result outcome (the run itself completes, a rollback too). */
function completedChange(
  name: string,
  outcome: 'applied' | 'rolled-back',
  failNextUpdate = false,
): Recording {
  return {
    name,
    async run(context) {
      const clusterId = await runningCluster(context.api, named(`clusters-example-${name}`));
      // The emulator's "next update of this cluster ends in FAILED": the PUT's, so the runbook rolls back.
      if (failNextUpdate) context.emulator.setFaults({ failNextUpdate: [clusterId] });
      const handle = await startScale(context, `clusters-example-${name}`, clusterId);
      const result = await handle.result();
      if (result.outcome !== outcome) {
        throw new Error(
          `${name} ended ${result.outcome} (${result.reason ?? ''}), not ${outcome}: not recorded`,
        );
      }
      return [{ name, handle, ended: `completed, ${outcome}` }];
    },
  };
}

/** The PUT went out and the cluster is UPDATING: cancel as `imply-runbooks cancel --as` does. */
const CANCELLED_AFTER_PUT = 'change-cancelled-after-put';
const cancelledAfterPut: Recording = {
  name: CANCELLED_AFTER_PUT,
  // Long enough to cancel while the update runs, short enough for a small history.
  transitionMs: 1_500,
  async run(context) {
    const clusterName = 'clusters-example-change-cancelled';
    const clusterId = await runningCluster(context.api, named(clusterName));
    const handle: ChangeHandle = await startScale(context, clusterName, clusterId);
    await until('the wait after the PUT', async () =>
      (await handle.query(runbookProgressQuery)).currentStep === 'wait' ? true : undefined,
    );
    await handle.signal(cancelledBySignal, { by: 'recorder' });
    await handle.cancel();
    const error = await handle.result().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    const progress = await handle.query(runbookProgressQuery);
    const rollback = progress.steps.find((step) => step.name === 'rollback')?.detail ?? '';
    const cancelled = error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure;
    if (!cancelled || progress.outcome !== 'cancelled' || !rollback.startsWith('put back version 0')) {
      throw new Error(
        `${CANCELLED_AFTER_PUT} ended ${String(progress.outcome)} (rollback: "${rollback}"), ` +
          'not cancelled after putting version 0 back: not recorded',
      );
    }
    return [{ name: CANCELLED_AFTER_PUT, handle, ended: 'cancelled, rolled back' }];
  },
};

export const CHANGE_RECORDINGS: Recording[] = [
  completedChange('change-scale-completed', 'applied'),
  completedChange('change-rolled-back', 'rolled-back', true),
  cancelledAfterPut,
];
