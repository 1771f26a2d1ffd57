import { ActivityFailure, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { ClusterSummary } from '../activities';
import { describeState, isInProgress, SETTLED_STATES } from '../shared/cluster-states';
import { formatDuration } from '../shared/durations';
import { FailureType } from '../shared/failure-types';
import type { ClusterObservation, NodeGroup, PowerAction, PowerInput } from '../shared/power';
import { changes, changesUnlessBusy, reads } from './activities';
import { waitForState, WAIT_DEFAULTS } from './cluster-steps';
import { clusterObservedSignal } from './fleet-watch';
import type { Pacer } from './pacer';
import type { RunbookTracker } from './progress';

/**
 * The steps of one power runbook (`power.ts`): the read (or the fleet's listing standing in for it),
 * the PATCH, and the confirmation. Deterministic workflow code.
 */

/** Where each action takes a cluster: its state, and the desiredState that asks for it. */
export const TARGETS = {
  stop: { state: 'STOPPED', desiredState: 'STOPPED' },
  start: { state: 'RUNNING', desiredState: 'STARTED' },
} as const;

/** What the runbook has seen of the cluster: its result reports it. */
export interface Observed {
  clusterName: string;
  state: string;
  nodes: NodeGroup[];
}

/** A listed cluster the action would change: settled, and not yet where the action takes it. */
export function needsChange(state: string, action: PowerAction): boolean {
  return SETTLED_STATES.includes(state) && state !== TARGETS[action].state;
}

/** The fleet's list read stands in for this runbook's own read: no request. */
export async function fromListing(
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
export async function act(
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
export async function readSettled(
  input: PowerInput,
  tracker: RunbookTracker,
  pacer: Pacer,
  observed: Observed,
): Promise<ClusterSummary> {
  let summary = await read(input.clusterId, pacer, observed, tracker);
  // A transition in flight (or a state we do not know, which is one): wait for it to settle first.
  // A deletion never settles into something that can be powered.
  if (isInProgress(summary.state) && summary.state !== 'DELETING') {
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
export function confirmed(input: PowerInput, summary: ClusterSummary): ClusterSummary {
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
export async function confirm(
  input: PowerInput,
  pacer: Pacer,
  observed: Observed,
  tracker: RunbookTracker,
): Promise<ClusterSummary> {
  return confirmed(input, await read(input.clusterId, pacer, observed, tracker));
}

/**
 * A fleet-watched runbook's wait: the fleet's list reads tell it (signal `clusterObserved`) each
 * settled state its cluster reaches, so it sends no poll of its own. The handler is set when the
 * runbook starts: a word that comes before the PATCH's answer is kept, and counts only if its
 * resource version is at least the answer's.
 */
export class FleetWord {
  private heard: ClusterObservation[] = [];
  /** The fleet's word ended the wait (not the runbook's own polls after a stale word). */
  answered = false;

  constructor() {
    setHandler(clusterObservedSignal, (observation) => {
      this.heard.push(observation);
    });
  }

  /**
   * Waits for the target state at `minResourceVersion` or later; FAILED, a deletion or the deadline
   * fail it. `undefined`: the word was the target at an older version, and the runbook polls itself.
   */
  async until(
    input: PowerInput,
    observed: Observed,
    minResourceVersion: number,
    tracker: RunbookTracker,
  ): Promise<ClusterSummary | undefined> {
    const target = TARGETS[input.action];
    const timeoutMs = input.wait?.transitionTimeoutMs ?? WAIT_DEFAULTS.transitionTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let last = observed.state;
    tracker.detail(`waiting for ${target.state}: the fleet's shared list reads will tell`);
    for (;;) {
      for (const seen of this.heard.splice(0)) {
        if (seen.gone) {
          throw ApplicationFailure.create({
            type: FailureType.Rejected,
            nonRetryable: true,
            message: `cluster ${observed.clusterName} is gone (not listed, or DELETED) while waiting for ${target.state}`,
          });
        }
        last = seen.state;
        tracker.cluster({ state: seen.state, resourceVersion: seen.resourceVersion });
        if (seen.state === 'FAILED') {
          throw ApplicationFailure.create({
            type: FailureType.ClusterFailed,
            nonRetryable: true,
            message: `cluster ${input.clusterId} ended in FAILED while waiting for ${target.state}`,
          });
        }
        // The target at a version older than the PATCH's answer: the fleet stops reading for a
        // cluster once it told it the target, so the runbook reads on its own from here.
        if (seen.state === target.state && seen.resourceVersion < minResourceVersion) return undefined;
        if (seen.state === target.state) {
          this.answered = true;
          return {
            uid: input.clusterId,
            name: observed.clusterName,
            state: seen.state,
            resourceVersion: seen.resourceVersion,
            // As listed: a value we do not know is kept, and the confirmation reports it.
            ...(seen.desiredState === undefined
              ? {}
              : { desiredState: seen.desiredState as ClusterSummary['desiredState'] }),
          };
        }
        tracker.detail(
          `waiting for ${target.state}: the fleet saw ${describeState(seen.state)} at resource version ${seen.resourceVersion}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await condition(() => this.heard.length > 0, remaining))) {
        throw ApplicationFailure.create({
          type: FailureType.DeadlineExceeded,
          nonRetryable: true,
          message:
            `cluster ${input.clusterId} did not reach ${target.state} within ${formatDuration(timeoutMs)}: ` +
            `last seen ${describeState(last)} by the fleet's list reads`,
        });
      }
    }
  }
}
