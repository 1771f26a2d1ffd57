import {
  ApplicationFailure,
  executeChild,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ChangeInput, ChangePolicy, ChangeRequest, ChangeResult } from '../shared/change';
import type { ApprovalPolicy } from '../shared/approval';
import { formatDuration } from '../shared/durations';
import {
  lifecycleDeletePolicy,
  lifecycleDeleteRequest,
  lifecycleInputProblem,
  lifecycleScalePolicy,
  lifecycleScaleRequest,
} from '../shared/lifecycle-change';
import type { PowerInput, PowerResult } from '../shared/power';
import { describeSpecChanges } from '../shared/spec-changes';
import type { LifecycleInput, LifecycleResult } from '../shared/runbook';
import { changeWorkflowId } from '../shared/runbook-ids';
import { changeRunbook } from './change';
import { clusterChildOptions } from './cluster-child';
import { WAIT_DEFAULTS } from './cluster-steps';
import {
  CREATE_STEPS,
  createRunning,
  endOnError,
  legacyLifecycleRunbook,
  legacyLifecycleSteps,
  stopThenDelete,
} from './lifecycle-legacy';
import { powerRunbook } from './power';
import { RunbookTracker, runbookProgressQuery } from './progress';

export const LIFECYCLE_STEPS = [
  ...CREATE_STEPS,
  { name: 'scale', title: 'Scale: the change runbook plans, approves, applies and verifies' },
  { name: 'stop', title: 'Stop on schedule (power runbook)' },
  { name: 'delete', title: 'Delete and confirm (delete change)' },
];

/** Runs recorded before this patch ran their own scale pipeline; they replay on `lifecycle-legacy`. */
export const LIFECYCLE_COMPOSES_CHANGE_PATCH = 'lifecycle-composes-change';

/** The failure type when the scale change was applied, failed verification and was rolled back. */
export const SCALE_ROLLED_BACK = 'ScaleRolledBack';
/** The failure type when the cluster's change runbook stayed busy with another change past the deadline. */
export const CLUSTER_CHANGE_BUSY = 'ClusterChangeBusy';

/** Stand-in approvers of a change that cannot need any: `lifecycleInputProblem` refused what would. */
const NOBODY: ApprovalPolicy = {
  name: 'none (started with --no-approval)',
  stage: { groups: ['none'], approvers: [], required: 1, timeoutMs: 60 * 60_000 },
};

/**
 * The tutorial as a durable runbook: create → wait until ready → scale → stop on schedule → delete.
 * The scale is the cluster's change runbook (`change:<uid>`) as a child: the one plan, approval
 * gate, verification and rollback every change goes through, so a trigger for this cluster joins
 * that change instead of opening a second one. The stop is a power runbook and the delete a delete
 * change on the same id. Each step is visible through `runbookProgress` and search attributes.
 */
export async function lifecycleRunbook(input: LifecycleInput): Promise<LifecycleResult> {
  const composed = patched(LIFECYCLE_COMPOSES_CHANGE_PATCH);
  const steps = composed ? LIFECYCLE_STEPS : legacyLifecycleSteps(input);
  const tracker = new RunbookTracker('lifecycle', input.cluster.metadata.name, steps);
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  if (!composed) return legacyLifecycleRunbook(input, tracker);

  let clusterId: string | undefined;
  try {
    const problem = lifecycleInputProblem(input);
    if (problem) {
      throw ApplicationFailure.create({ type: 'InvalidRunbookInput', nonRetryable: true, message: problem });
    }
    const id = await createRunning(input, tracker, (uid) => (clusterId = uid));

    let scaled: ChangeResult | undefined;
    if (input.scale.length > 0) {
      const request = lifecycleScaleRequest(input);
      scaled = await tracker.step(
        'scale',
        () => runChange(id, tracker, input, request, lifecycleScalePolicy(input)),
        describeScale,
      );
      tracker.cluster({
        clusterName: nameAfter(scaled),
        ...(scaled.verified ? { resourceVersion: scaled.verified.after } : {}),
      });
      if (scaled.outcome === 'rejected' || scaled.outcome === 'refused') {
        return endRejected(id, scaled, tracker);
      }
    } else {
      tracker.skip('scale', 'no scale change requested');
    }

    const finalState = await stopThenDelete(input, tracker, {
      stop: async () => {
        const stopped = await runPower(id, tracker, input);
        tracker.cluster({ state: 'STOPPED' });
        return stopped.outcome === 'skipped' ? `STOPPED (${stopped.reason})` : 'STOPPED';
      },
      delete: async () => {
        await deleteCluster(id, tracker, input);
        tracker.cluster({ state: 'DELETED' });
      },
    });
    tracker.finish('completed');
    return result('completed', id, tracker, finalState, scaled);
  } catch (error) {
    const id = clusterId;
    return await endOnError(error, tracker, id ? () => cleanUp(id, input, tracker) : undefined);
  }
}

function result(
  outcome: LifecycleResult['outcome'],
  clusterId: string,
  tracker: RunbookTracker,
  finalState: LifecycleResult['finalState'],
  scaled: ChangeResult | undefined,
  reason?: string,
): LifecycleResult {
  const progress = tracker.snapshot();
  return {
    outcome,
    ...(reason ? { reason } : {}),
    clusterId,
    clusterName: progress.clusterName,
    ...(scaled?.verified ? { verifiedVersion: scaled.verified } : {}),
    ...(scaled
      ? {
          scaleChange: {
            runbookId: changeWorkflowId(clusterId),
            outcome: scaled.outcome,
            ...(scaled.reason ? { reason: scaled.reason } : {}),
          },
        }
      : {}),
    finalState,
    steps: progress.steps,
    ...(scaled?.approval ? { approval: scaled.approval } : {}),
  };
}

/** Ends the runbook cleanly after a rejected, timed-out or refused scale: nothing applied, later steps skipped. */
function endRejected(clusterId: string, scaled: ChangeResult, tracker: RunbookTracker): LifecycleResult {
  const reason = scaled.outcome === 'refused' ? `refused: ${scaled.reason}` : (scaled.reason ?? 'rejected');
  const why = `not run: the scale change was ${reason}`;
  for (const step of ['stop', 'delete']) tracker.skip(step, why);
  tracker.finish('rejected');
  return result('rejected', clusterId, tracker, 'RUNNING', scaled, reason);
}

/** The cluster's name once the change ended: the new one when an applied change renamed it. */
function nameAfter(changed: ChangeResult): string {
  const renamed = changed.plan?.changes.find((change) => change.path === 'metadata.name')?.after;
  return changed.outcome === 'applied' && typeof renamed === 'string' ? renamed : changed.clusterName;
}

function describeScale(scaled: ChangeResult): string {
  const requested = describeSpecChanges(scaled.requests[0]?.changes ?? []);
  if (scaled.outcome === 'applied' && scaled.verified) {
    const { before, after } = scaled.verified;
    return `${requested}: applied by ${changeWorkflowId(scaled.clusterId)}, resource version ${before} → ${after}, verified`;
  }
  return `${requested}: ${scaled.outcome}${scaled.reason ? ` (${scaled.reason})` : ''}`;
}

/**
 * Runs one child on `change:<uid>`. One change per cluster holds by that id: while another change
 * of this cluster runs (a trigger's, a stop), the child cannot start, so this waits and tries again
 * (5 s doubling to 1 min) until the transition timeout, then fails naming the runbook in the way.
 */
async function onClusterChangeId<T>(
  clusterId: string,
  tracker: RunbookTracker,
  input: LifecycleInput,
  start: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + (input.wait?.transitionTimeoutMs ?? WAIT_DEFAULTS.transitionTimeoutMs);
  for (let attempt = 0; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const delayMs = Math.min(5_000 * 2 ** attempt, 60_000);
      if (Date.now() + delayMs > deadline) {
        throw ApplicationFailure.create({
          type: CLUSTER_CHANGE_BUSY,
          nonRetryable: true,
          message:
            `${changeWorkflowId(clusterId)} stayed busy with another change of this cluster past the ` +
            'transition timeout: look at that runbook, then start this one again',
        });
      }
      tracker.detail(
        `${changeWorkflowId(clusterId)} is busy with another change: trying again in ${formatDuration(delayMs)}`,
      );
      await sleep(delayMs);
    }
  }
}

/** Shows `change:<uid>` as the current step's child while `run` runs it. */
async function asChild<T>(tracker: RunbookTracker, clusterId: string, run: () => Promise<T>): Promise<T> {
  tracker.child(changeWorkflowId(clusterId));
  try {
    return await run();
  } finally {
    tracker.child(undefined);
  }
}

/** One change through the change runbook; a rollback (the change failed verification) fails the step. */
async function runChange(
  clusterId: string,
  tracker: RunbookTracker,
  input: LifecycleInput,
  request: ChangeRequest,
  policy: ChangePolicy,
): Promise<ChangeResult> {
  const clusterName = tracker.snapshot().clusterName;
  const changeInput: ChangeInput = {
    clusterId,
    clusterName,
    policy,
    approval: input.approval ?? NOBODY,
    request,
    ...(input.wait ? { wait: input.wait } : {}),
  };
  const gated = input.approval && request.kind !== 'delete';
  tracker.detail(
    `${request.kind} through ${changeWorkflowId(clusterId)}` +
      (gated ? `: approvals go to that runbook (imply-runbooks approvals)` : ''),
  );
  const changed = await asChild(tracker, clusterId, () =>
    onClusterChangeId(clusterId, tracker, input, () =>
      executeChild(changeRunbook, {
        ...clusterChildOptions(clusterId, 'change', clusterName),
        args: [changeInput],
      }),
    ),
  );
  if (changed.outcome === 'rolled-back') {
    throw ApplicationFailure.create({
      type: SCALE_ROLLED_BACK,
      nonRetryable: true,
      message: `the ${request.kind} was rolled back by ${changeWorkflowId(clusterId)}: ${changed.reason ?? 'verification failed'}`,
      details: [changed],
    });
  }
  return changed;
}

async function deleteCluster(clusterId: string, tracker: RunbookTracker, input: LifecycleInput) {
  const deleted = await runChange(
    clusterId,
    tracker,
    input,
    lifecycleDeleteRequest(input),
    lifecycleDeletePolicy(input),
  );
  if (deleted.outcome !== 'applied') {
    throw ApplicationFailure.create({
      type: 'DeleteNotApplied',
      nonRetryable: true,
      message: `the delete was ${deleted.outcome}: ${deleted.reason ?? 'no reason given'}`,
      details: [deleted],
    });
  }
  return deleted;
}

/** Stops the cluster with the power runbook: read, PATCH desiredState, wait until STOPPED, confirm. */
async function runPower(
  clusterId: string,
  tracker: RunbookTracker,
  input: LifecycleInput,
): Promise<PowerResult> {
  const powerInput: PowerInput = {
    clusterId,
    action: 'stop',
    requester: input.requester?.trim() || 'lifecycle',
    reason: input.reason ?? `lifecycle ${workflowInfo().workflowId}`,
    source: 'person',
    ...(input.wait ? { wait: input.wait } : {}),
  };
  const clusterName = tracker.snapshot().clusterName;
  return asChild(tracker, clusterId, () =>
    onClusterChangeId(clusterId, tracker, input, () =>
      executeChild(powerRunbook, {
        ...clusterChildOptions(clusterId, 'power', clusterName),
        args: [powerInput],
      }),
    ),
  );
}

/** Applies the input's cleanup policy to the cluster this runbook created, through the same children. */
async function cleanUp(clusterId: string, input: LifecycleInput, tracker: RunbookTracker) {
  const policy = input.onCancel ?? 'keep';
  tracker.detail(`cancelled: cleanup policy "${policy}"`);
  if (policy === 'delete') await deleteCluster(clusterId, tracker, input);
  else if (policy === 'stop') await runPower(clusterId, tracker, input);
}
