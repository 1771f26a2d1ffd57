import { ActivityFailure, ApplicationFailure, isCancellation, setHandler } from '@temporalio/workflow';
import type { ClusterSummary } from '../activities';
import {
  POWER_ACTION_FAILED,
  type NodeGroup,
  type PowerAction,
  type PowerInput,
  type PowerResult,
} from '../shared/power';
import { changes, reads } from './activities';
import { waitForState } from './cluster-steps';
import { Pacer } from './pacer';
import { RunbookTracker, runbookProgressQuery } from './progress';

const TARGETS = {
  stop: { state: 'STOPPED', desiredState: 'STOPPED' },
  start: { state: 'RUNNING', desiredState: 'STARTED' },
} as const;
/** A transition is in flight: wait for it to settle before asking for anything. */
const BUSY_STATES = ['CREATING', 'UPDATING', 'STOPPING', 'STARTING'];
const SETTLED_STATES = ['RUNNING', 'STOPPED', 'FAILED'];

export function powerSteps(action: PowerAction) {
  const target = TARGETS[action];
  return [
    { name: 'read', title: 'Read the cluster' },
    { name: 'act', title: `Ask for ${target.desiredState} (PATCH desiredState)` },
    { name: 'wait', title: `Wait until ${target.state}` },
    { name: 'confirm', title: 'Confirm the final state' },
  ];
}

interface Observed {
  clusterName: string;
  state: string;
  nodes: NodeGroup[];
}

/**
 * Stops or starts one cluster: read it (waiting out a transition in flight), skip it when it is
 * already where it should be, PATCH `desiredState`, wait for STOPPED / RUNNING, and confirm with a
 * final read. A change that did not land fails the runbook with its `PowerResult` in the details.
 */
export async function powerRunbook(input: PowerInput): Promise<PowerResult> {
  const target = TARGETS[input.action];
  const tracker = new RunbookTracker('power', input.clusterId, powerSteps(input.action));
  tracker.cluster({ clusterId: input.clusterId });
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  const pacer = new Pacer(input.minRequestIntervalMs ?? 0);
  const startedAt = new Date().toISOString();
  const observed: Observed = { clusterName: input.clusterId, state: 'UNKNOWN', nodes: [] };
  const result = (outcome: PowerResult['outcome'], reason?: string): PowerResult => ({
    clusterId: input.clusterId,
    clusterName: observed.clusterName,
    action: input.action,
    outcome,
    ...(reason === undefined ? {} : { reason }),
    startedAt,
    endedAt: new Date().toISOString(),
    // The tracker sees every poll of the waits too, so a wait that ended in FAILED shows it.
    finalState: tracker.snapshot().clusterState ?? observed.state,
    nodes: observed.nodes,
    source: input.source,
    ...(input.scheduleName === undefined ? {} : { scheduleName: input.scheduleName }),
    requester: input.requester,
  });
  try {
    const before = await tracker.step(
      'read',
      () => readSettled(input, tracker, pacer, observed),
      (summary) => `${summary.name} is ${summary.state}`,
    );
    const lifecycle = await reads.findLifecycleChange(input.clusterId);
    if (lifecycle) {
      // One change per cluster: never cut into a lifecycle runbook's create, scale or approval.
      const reason = `busy: ${lifecycle.runbookId} (kind lifecycle, step ${lifecycle.step}) is changing this cluster; try again when it ends`;
      for (const step of ['act', 'wait', 'confirm']) tracker.skip(step, reason);
      tracker.finish('completed');
      return result('skipped', reason);
    }
    if (before.state === target.state) {
      const reason = `already ${target.state}`;
      for (const step of ['act', 'wait', 'confirm']) tracker.skip(step, reason);
      tracker.finish('completed');
      return result('skipped', reason);
    }
    await tracker.step(
      'act',
      () => pacer.call(() => changes.setDesiredState(input.clusterId, target.desiredState)),
      () => `desiredState ${target.desiredState} accepted`,
    );
    await pacer.next();
    await tracker.step(
      'wait',
      () => waitForState(input.clusterId, [target.state], tracker, pacer.waitOptions(input.wait)),
      (summary) => `${summary.state} at resource version ${summary.resourceVersion}`,
    );
    pacer.touch();
    await tracker.step(
      'confirm',
      () => confirm(input, pacer, observed, tracker),
      () => `${target.state}, desiredState ${target.desiredState}`,
    );
    tracker.finish('completed');
    return result('done');
  } catch (error) {
    tracker.finish(isCancellation(error) ? 'cancelled' : 'failed');
    if (isCancellation(error)) throw error;
    const failed = result('failed', describeFailure(error));
    throw ApplicationFailure.create({
      type: POWER_ACTION_FAILED,
      nonRetryable: true,
      message: `${input.action} of ${failed.clusterName} failed: ${failed.reason}`,
      details: [failed],
    });
  }
}

async function read(
  clusterId: string,
  pacer: Pacer,
  observed: Observed,
  tracker: RunbookTracker,
): Promise<ClusterSummary> {
  const { summary, nodes } = await pacer.call(() => reads.readClusterPower(clusterId));
  Object.assign(observed, { clusterName: summary.name, state: summary.state, nodes });
  tracker.cluster({
    clusterName: summary.name,
    state: summary.state,
    resourceVersion: summary.resourceVersion,
  });
  return summary;
}

/** Reads the cluster; when a transition is in flight, waits for it to settle and reads again. */
async function readSettled(
  input: PowerInput,
  tracker: RunbookTracker,
  pacer: Pacer,
  observed: Observed,
): Promise<ClusterSummary> {
  let summary = await read(input.clusterId, pacer, observed, tracker);
  if (BUSY_STATES.includes(summary.state)) {
    tracker.detail(`${summary.name} is ${summary.state}: waiting for that change to settle first`);
    await pacer.next();
    await waitForState(input.clusterId, SETTLED_STATES, tracker, pacer.waitOptions(input.wait));
    pacer.touch();
    summary = await read(input.clusterId, pacer, observed, tracker);
  }
  if (!SETTLED_STATES.includes(summary.state)) {
    throw ApplicationFailure.create({
      type: 'ClusterNotPowerable',
      nonRetryable: true,
      message: `cluster ${summary.name} is ${summary.state}: it can be neither stopped nor started`,
    });
  }
  return summary;
}

/** The final read: the cluster must be in the target state and still want it ("did nothing" is a failure). */
async function confirm(
  input: PowerInput,
  pacer: Pacer,
  observed: Observed,
  tracker: RunbookTracker,
): Promise<ClusterSummary> {
  const target = TARGETS[input.action];
  const summary = await read(input.clusterId, pacer, observed, tracker);
  if (
    summary.state !== target.state ||
    (summary.desiredState && summary.desiredState !== target.desiredState)
  ) {
    throw ApplicationFailure.create({
      type: 'PowerNotConfirmed',
      nonRetryable: true,
      message:
        `cluster ${summary.name} is ${summary.state} (desiredState ${summary.desiredState ?? 'unknown'}) ` +
        `right after reaching ${target.state}: someone else changed it`,
    });
  }
  return summary;
}

/** The message a person needs: an activity's own failure rather than "Activity task failed". */
function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
