import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  patched,
  setHandler,
} from '@temporalio/workflow';
import type { ClusterSummary } from '../activities';
import {
  POWER_ACTION_FAILED,
  type NodeGroup,
  type PowerAction,
  type PowerInput,
  type PowerResult,
} from '../shared/power';
import { FailureType } from '../shared/failure-types';
import { changes, changesUnlessBusy, reads } from './activities';
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
    { name: 'confirm', title: 'Confirm the final state (state and desiredState)' },
  ];
}

interface Observed {
  clusterName: string;
  state: string;
  nodes: NodeGroup[];
}

/**
 * Stops or starts one cluster: read it (waiting out a transition in flight), skip it when it is
 * already where it should be, PATCH `desiredState`, wait for STOPPED / RUNNING, and confirm state and
 * desiredState on the wait's last poll. In a fleet run the fleet's list read stands in for the first
 * read, so a cluster costs a PATCH and the polls. A change that did not land fails the runbook with
 * its `PowerResult` in the details.
 */
export async function powerRunbook(input: PowerInput): Promise<PowerResult> {
  const target = TARGETS[input.action];
  const tracker = new RunbookTracker('power', input.clusterId, powerSteps(input.action));
  tracker.cluster({ clusterId: input.clusterId });
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  const pacer = new Pacer(input.minRequestIntervalMs ?? 0, input.firstCallAt);
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
  const skipRest = (reason: string, steps = ['act', 'wait', 'confirm']): PowerResult => {
    for (const step of steps) tracker.skip(step, reason);
    tracker.finish('completed');
    return result('skipped', reason);
  };
  try {
    const listed = input.listed && needsChange(input.listed.state, input.action) ? input.listed : undefined;
    const before = await tracker.step(
      'read',
      () => (listed ? fromListing(listed, observed, tracker) : readSettled(input, tracker, pacer, observed)),
      (summary) =>
        listed
          ? `${summary.name} was ${summary.state} when the fleet listed it`
          : `${summary.name} is ${summary.state}`,
    );
    const lifecycle = await reads.findLifecycleChange(input.clusterId);
    if (lifecycle) {
      // One change per cluster: never cut into a lifecycle runbook's create, scale or approval.
      const reason = `busy: ${lifecycle.runbookId} (kind lifecycle, step ${lifecycle.step}) is changing this cluster; try again when it ends`;
      return skipRest(reason);
    }
    if (before.state === target.state) return skipRest(`already ${target.state}`);
    const accepted = await tracker.step(
      'act',
      () => act(input, pacer, observed, tracker, listed ? before.resourceVersion : undefined),
      ({ changed, summary }) =>
        changed
          ? `desiredState ${target.desiredState} accepted (${summary.state})`
          : `already ${target.state}: nothing to change`,
    );
    if (!accepted.changed) return skipRest(`already ${target.state}`, ['wait', 'confirm']);
    await pacer.next();
    const reached = await tracker.step(
      'wait',
      () => waitForState(input.clusterId, [target.state], tracker, pacer.waitOptions(input.wait)),
      (summary) => `${summary.state} at resource version ${summary.resourceVersion}`,
    );
    pacer.touch();
    observed.state = reached.state;
    // The last poll already read state and desiredState; runbooks started before this change read again.
    const confirmFromLastPoll = patched('power-confirm-from-last-poll');
    await tracker.step(
      'confirm',
      async () =>
        confirmFromLastPoll ? confirmed(input, reached) : confirm(input, pacer, observed, tracker),
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

/** A listed cluster the action would change: settled, and not yet where the action takes it. */
function needsChange(state: string, action: PowerAction): boolean {
  return SETTLED_STATES.includes(state) && state !== TARGETS[action].state;
}

/** The fleet's list read stands in for this runbook's own read: no request. */
async function fromListing(
  listed: NonNullable<PowerInput['listed']>,
  observed: Observed,
  tracker: RunbookTracker,
): Promise<Pick<ClusterSummary, 'name' | 'state' | 'resourceVersion'>> {
  Object.assign(observed, { clusterName: listed.clusterName, state: listed.state, nodes: listed.nodes });
  const { clusterName, state, resourceVersion } = listed;
  tracker.cluster({ clusterName, state, resourceVersion });
  return { name: clusterName, state, resourceVersion };
}

/**
 * PATCHes desiredState. Acting on a listing (`listedVersion` given), a 409 (the cluster started
 * another transition since it was listed) is not retried blindly: the runbook reads, waits for the
 * cluster to settle, and PATCHes again only if it still needs to. `changed` is false when the
 * cluster was already there: the answer is in the target state with no new resource version (the
 * API's no-op), or the settled read found it there.
 */
async function act(
  input: PowerInput,
  pacer: Pacer,
  observed: Observed,
  tracker: RunbookTracker,
  listedVersion: number | undefined,
): Promise<{ changed: boolean; summary: ClusterSummary }> {
  const target = TARGETS[input.action];
  const patch = async (proxy: typeof changes, baseline: number | undefined) => {
    const summary = await pacer.call(() => proxy.setDesiredState(input.clusterId, target.desiredState));
    observed.state = summary.state;
    tracker.cluster({ state: summary.state, resourceVersion: summary.resourceVersion });
    const changed = !(summary.state === target.state && summary.resourceVersion === baseline);
    return { changed, summary };
  };
  if (listedVersion === undefined) return patch(changes, undefined);
  try {
    return await patch(changesUnlessBusy, listedVersion);
  } catch (error) {
    if (!isBusy(error)) throw error;
    tracker.detail(`${observed.clusterName} is busy with another transition since it was listed: reading it`);
    const settled = await readSettled(input, tracker, pacer, observed);
    if (settled.state === target.state) return { changed: false, summary: settled };
    return patch(changes, settled.resourceVersion);
  }
}

function isBusy(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === FailureType.ClusterBusy
  );
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

/** The cluster must be in the target state and still want it ("did nothing" is a failure). */
function confirmed(input: PowerInput, summary: ClusterSummary): ClusterSummary {
  const target = TARGETS[input.action];
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

/** The confirmation as runbooks started before `power-confirm-from-last-poll` made it: one more read. */
async function confirm(
  input: PowerInput,
  pacer: Pacer,
  observed: Observed,
  tracker: RunbookTracker,
): Promise<ClusterSummary> {
  return confirmed(input, await read(input.clusterId, pacer, observed, tracker));
}

/** The message a person needs: an activity's own failure rather than "Activity task failed". */
function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
