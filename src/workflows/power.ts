import { ApplicationFailure, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { POWER_ACTION_FAILED, type PowerAction, type PowerInput, type PowerResult } from '../shared/power';
import { reads } from './activities';
import { waitForState } from './cluster-steps';
import { failureText } from './failures';
import { Pacer } from './pacer';
import {
  act,
  confirm,
  confirmed,
  FleetWord,
  fromListing,
  needsChange,
  readSettled,
  TARGETS,
  type Observed,
} from './power-steps';
import { RunbookTracker, runbookProgressQuery } from './progress';

/** Patch id: no visibility guard for lifecycle runbooks (one change per cluster holds by workflow id). */
export const POWER_NO_LIFECYCLE_GUARD_PATCH = 'power-no-lifecycle-guard';

export function powerSteps(action: PowerAction) {
  const target = TARGETS[action];
  return [
    { name: 'read', title: 'Read the cluster' },
    { name: 'act', title: `Ask for ${target.desiredState} (PATCH desiredState)` },
    { name: 'wait', title: `Wait until ${target.state}` },
    { name: 'confirm', title: 'Confirm the final state (state and desiredState)' },
  ];
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
  const fleetWord = input.watchedByFleet ? new FleetWord() : undefined;
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
    // Runs recorded before the lifecycle composed the change runbook asked visibility whether a
    // lifecycle was changing the cluster; now its changes run on `change:<uid>`, this runbook's own id.
    if (!patched(POWER_NO_LIFECYCLE_GUARD_PATCH)) {
      const lifecycle = await reads.findLifecycleChange(input.clusterId);
      if (lifecycle) {
        const reason = `busy: ${lifecycle.runbookId} (kind lifecycle, step ${lifecycle.step}) is changing this cluster; try again when it ends`;
        return skipRest(reason);
      }
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
    // Watched by its fleet: the fleet's shared list reads stand in for this runbook's polls.
    if (!fleetWord) await pacer.next();
    const reached = await tracker.step(
      'wait',
      async () =>
        (fleetWord && (await fleetWord.until(input, observed, accepted.summary.resourceVersion, tracker))) ??
        (await waitForState(input.clusterId, [target.state], tracker, {
          ...pacer.waitOptions(input.wait),
          ...(fleetWord ? { minResourceVersion: accepted.summary.resourceVersion } : {}),
        })),
      (summary) =>
        `${summary.state} at resource version ${summary.resourceVersion}` +
        (fleetWord?.answered ? ' (seen by the fleet)' : ''),
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
    const failed = result('failed', failureText(error));
    throw ApplicationFailure.create({
      type: POWER_ACTION_FAILED,
      nonRetryable: true,
      message: `${input.action} of ${failed.clusterName} failed: ${failed.reason}`,
      details: [failed],
    });
  }
}
