import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { formatDuration } from '../shared/durations';
import type { LifecycleInput, LifecycleResult } from '../shared/runbook';
import { jsonEqual, valueAt, type SpecChange } from '../shared/spec-changes';
import { changes, reads } from './activities';
import { ApprovalGate } from './approval';
import { waitForState, waitUntilGone } from './cluster-steps';
import type { RunbookTracker } from './progress';
import { checkApprovalInput, scaleStep, type AppliedChange } from './scale-change';

/** Steps 1 to 3 of every lifecycle, then and now (`createRunning`). */
export const CREATE_STEPS = [
  { name: 'validate', title: 'Validate the spec (dryRun)' },
  { name: 'create', title: 'Create the cluster' },
  { name: 'wait-running', title: 'Wait until RUNNING' },
] as const;

/**
 * The lifecycle runbook as it ran before it composed the change runbook (patch
 * `lifecycle-composes-change`): its own plan, approval gate, scale and verification. Kept only so
 * that runs recorded before replay and finish as they started; new runs never come here. Remove
 * with `deprecatePatch` once no such run is open.
 */
export const LEGACY_LIFECYCLE_STEPS = [
  ...CREATE_STEPS,
  { name: 'plan', title: 'Plan the scale change (dryRun diff)' },
  { name: 'approve', title: 'Approve the scale change' },
  { name: 'scale', title: 'Scale (replace the spec)' },
  { name: 'wait-scaled', title: 'Wait until RUNNING again' },
  { name: 'verify', title: 'Verify the resource version' },
  { name: 'stop', title: 'Stop on schedule' },
  { name: 'delete', title: 'Delete and confirm' },
];

/**
 * Steps 1 to 3 of every lifecycle, then and now: validate with a dryRun, create (telling `created`
 * the uid at once, for the cleanup of a cancel), wait until RUNNING. Returns the cluster's uid.
 */
export async function createRunning(
  input: LifecycleInput,
  tracker: RunbookTracker,
  created: (clusterId: string) => void,
): Promise<string> {
  await tracker.step(
    'validate',
    () => changes.validateCluster(input.cluster),
    () => 'spec accepted by dryRun',
  );
  const cluster = await tracker.step(
    'create',
    () => changes.createCluster(input.cluster),
    (result) => `created ${result.uid}`,
  );
  const id = cluster.uid;
  created(id);
  tracker.cluster({ clusterId: id, clusterName: cluster.name });
  await tracker.step(
    'wait-running',
    () => waitForState(id, ['RUNNING'], tracker, input.wait),
    (summary) => `RUNNING at resource version ${summary.resourceVersion}`,
  );
  return id;
}

/** The runbook recorded before the patch: same handlers, its own gate and scale pipeline. */
export async function legacyLifecycleRunbook(
  input: LifecycleInput,
  tracker: RunbookTracker,
): Promise<LifecycleResult> {
  const gate = new ApprovalGate(workflowInfo().workflowId, (detail) => tracker.detail(detail));
  gate.install();
  let clusterId: string | undefined;
  try {
    checkApprovalInput(input);
    const id = await createRunning(input, tracker, (uid) => (clusterId = uid));

    let verifiedVersion: LifecycleResult['verifiedVersion'];
    if (input.scale.length > 0) {
      const change = await scaleStep(id, input, tracker, gate);
      if ('notApplied' in change) return await endRejected(id, change.notApplied, tracker, gate);
      const applied = change.applied;
      tracker.cluster({ clusterName: applied.request.metadata.name });
      await tracker.step(
        'wait-scaled',
        () =>
          waitForState(id, ['RUNNING'], tracker, {
            ...input.wait,
            minResourceVersion: applied.beforeVersion + 1,
          }),
        (summary) => `RUNNING at resource version ${summary.resourceVersion}`,
      );
      verifiedVersion = await tracker.step(
        'verify',
        () => verifyVersion(id, applied, input.scale),
        (version) =>
          `resource version ${version.before} → ${version.after}; history/${version.before} matches`,
      );
    } else {
      for (const step of ['plan', 'approve', 'scale', 'wait-scaled', 'verify']) {
        if (hasStep(tracker, step)) tracker.skip(step, 'no scale change requested');
      }
    }

    const finalState = await stopThenDelete(input, tracker, {
      stop: async () => {
        await changes.setDesiredState(id, 'STOPPED');
        await waitForState(id, ['STOPPED'], tracker, input.wait);
        return 'STOPPED';
      },
      delete: async () => {
        await changes.deleteCluster(id);
        await waitUntilGone(id, tracker, input.wait);
      },
    });
    tracker.finish('completed');
    await gate.finish();
    const progress = tracker.snapshot();
    return {
      outcome: 'completed',
      clusterId: id,
      clusterName: progress.clusterName,
      verifiedVersion,
      finalState,
      steps: progress.steps,
      ...withAudit(gate),
    };
  } catch (error) {
    const id = clusterId;
    return await endOnError(error, tracker, id ? () => cleanUp(id, input, tracker) : undefined);
  }
}

/** The steps this input shows: plan and approve only when the scale change needs approval. */
export function legacyLifecycleSteps(input: LifecycleInput) {
  if (input.approval) return LEGACY_LIFECYCLE_STEPS;
  return LEGACY_LIFECYCLE_STEPS.filter((step) => step.name !== 'plan' && step.name !== 'approve');
}

function hasStep(tracker: RunbookTracker, name: string): boolean {
  return tracker.steps.some((step) => step.name === name);
}

/** Ends the runbook cleanly after a rejected or timed-out approval: nothing applied, later steps skipped. */
async function endRejected(
  clusterId: string,
  notApplied: { outcome: string; reason: string },
  tracker: RunbookTracker,
  gate: ApprovalGate,
): Promise<LifecycleResult> {
  const why = `not run: the scale change was ${notApplied.outcome} (${notApplied.reason})`;
  for (const step of ['scale', 'wait-scaled', 'verify', 'stop', 'delete']) tracker.skip(step, why);
  tracker.finish('rejected');
  await gate.finish();
  const progress = tracker.snapshot();
  return {
    outcome: 'rejected',
    reason: `${notApplied.outcome}: ${notApplied.reason}`,
    clusterId,
    clusterName: progress.clusterName,
    finalState: 'RUNNING',
    steps: progress.steps,
    ...withAudit(gate),
  };
}

function withAudit(gate: ApprovalGate): Pick<LifecycleResult, 'approval'> {
  const audit = gate.audit();
  return audit ? { approval: audit } : {};
}

/** Checks the version went up, the history entry before it is the old config, and the change is in place. */
async function verifyVersion(clusterId: string, applied: AppliedChange, specChanges: SpecChange[]) {
  const { config, summary } = await reads.getClusterConfig(clusterId);
  const fail = (message: string) =>
    ApplicationFailure.create({ type: 'VerificationFailed', nonRetryable: true, message });
  if (summary.resourceVersion <= applied.beforeVersion) {
    throw fail(`resource version did not go up (still ${summary.resourceVersion})`);
  }
  const previous = await reads.getClusterVersion(clusterId, summary.resourceVersion - 1);
  if (!jsonEqual(previous, applied.before)) {
    throw fail(
      `history/${summary.resourceVersion - 1} does not match the configuration read before the change`,
    );
  }
  for (const change of specChanges) {
    const actual = valueAt(config, change.path);
    if (actual !== change.value) {
      throw fail(`${change.path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(change.value)}`);
    }
  }
  return { before: summary.resourceVersion - 1, after: summary.resourceVersion };
}

/**
 * How every lifecycle ends on an error, then and now: a cancel of a runbook that created its
 * cluster applies the cleanup policy (non-cancellable) first; the progress says how it ended.
 */
export async function endOnError(
  error: unknown,
  tracker: RunbookTracker,
  cleanUp: (() => Promise<void>) | undefined,
): Promise<never> {
  if (isCancellation(error) && cleanUp) await CancellationScope.nonCancellable(cleanUp);
  tracker.finish(isCancellation(error) ? 'cancelled' : 'failed');
  throw error;
}

/** What the stop and delete steps do once their time has come; the scaffold around them is shared. */
export interface StopAndDelete {
  /** Stops the cluster; answers the step's detail line. */
  stop: () => Promise<string>;
  delete: () => Promise<unknown>;
}

/**
 * The last two steps of every lifecycle, then and now: sleep until the stop is due, stop; sleep
 * out the retention, delete. Skips either when the input asks for none. Answers the final state.
 */
export async function stopThenDelete(
  input: LifecycleInput,
  tracker: RunbookTracker,
  actions: StopAndDelete,
): Promise<LifecycleResult['finalState']> {
  let finalState: LifecycleResult['finalState'] = 'RUNNING';
  if (input.stop) {
    const stop = input.stop;
    const delayMs = stop.at ? Date.parse(stop.at) - Date.now() : (stop.afterMs ?? 0);
    await tracker.step(
      'stop',
      async () => {
        await sleepUntil(delayMs, 'sleeping', tracker);
        return actions.stop();
      },
      (detail) => detail,
    );
    finalState = 'STOPPED';
  } else {
    tracker.skip('stop', 'no stop requested');
  }
  if (input.delete) {
    const retentionMs = input.delete.afterMs ?? 0;
    await tracker.step(
      'delete',
      async () => {
        await sleepUntil(retentionMs, 'keeping it', tracker);
        await actions.delete();
      },
      () => 'gone (404 by id)',
    );
    finalState = 'DELETED';
  } else {
    tracker.skip('delete', 'kept (no delete requested)');
  }
  return finalState;
}

/** A durable sleep of `delayMs` (none when not positive), shown in the step's detail line. */
async function sleepUntil(delayMs: number, what: string, tracker: RunbookTracker): Promise<void> {
  if (delayMs <= 0) return;
  tracker.detail(`${what} ${formatDuration(delayMs)}, until ${new Date(Date.now() + delayMs).toISOString()}`);
  await sleep(delayMs);
}

/** Applies the input's cleanup policy to the cluster this runbook created. */
async function cleanUp(clusterId: string, input: LifecycleInput, tracker: RunbookTracker) {
  const policy = input.onCancel ?? 'keep';
  tracker.detail(`cancelled: cleanup policy "${policy}"`);
  if (policy === 'delete') {
    await changes.deleteCluster(clusterId);
    await waitUntilGone(clusterId, tracker, input.wait);
  } else if (policy === 'stop') {
    await changes.setDesiredState(clusterId, 'STOPPED');
  }
}
