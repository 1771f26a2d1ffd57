import {
  ApplicationFailure,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fleetSettings, type FleetSettings } from '../shared/fleet-settings';
import type { FleetCarry, FleetCluster, FleetInput, FleetSummary } from '../shared/power';
import { describeSelector } from '../shared/selector';
import { reads } from './activities';
import { FleetRun } from './fleet-run';
import { RunbookTracker, runbookProgressQuery } from './progress';

/** The summary goes out a few times at most: a webhook that is down must not hold the run's result. */
const notifier = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 5 },
});

export const FLEET_STEPS = [
  { name: 'select', title: 'Select the clusters' },
  { name: 'filter', title: 'Skip opted-out and kept-alive clusters' },
  { name: 'run', title: 'Run one power runbook per cluster' },
  { name: 'notify', title: 'Post the summary' },
];

/**
 * Stops or starts every cluster a selector picks, each through its own power runbook
 * (`change:<uid>`), at most `concurrency` at once and paced to `requestsPerSecond` for the whole
 * fleet. One cluster's failure does not stop the others; past `maxFailureShare` no new one starts.
 * Returns the summary (done, skipped and why, failed and why, not started) and posts it.
 *
 * Rate limit: pacing lives in the workflows (durable timers), not in a rate-limited task queue, so
 * each run carries its own `requestsPerSecond` and tests can observe it. The fleet starts children
 * at most `requestsPerSecond` a second and gives each of its `concurrency` runbooks an equal share
 * (calls at least `concurrency / requestsPerSecond` s apart), so the fleet's long-run rate stays
 * under the limit whatever the interleaving. Retries after a 429 follow its Retry-After.
 */
export async function fleetRunbook(input: FleetInput): Promise<FleetSummary> {
  const settings = checkedSettings(input);
  const tracker = new RunbookTracker('fleet', input.scheduleName ?? 'manual', FLEET_STEPS);
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  const startedAt = input.carried?.startedAt ?? new Date().toISOString();
  const run = new FleetRun(input, settings, tracker);
  try {
    const targets = input.carried
      ? await carriedTargets(input.carried, tracker)
      : await select(input, run, tracker);
    await tracker.step(
      'run',
      () => run.runAll(targets),
      () => run.line(),
    );
    // The history is full: the next run goes on with the clusters not started yet.
    if (run.rest)
      await continueAsNew<typeof fleetRunbook>({ ...input, carried: run.carry(startedAt, run.rest) });
    const summary = run.summary(startedAt);
    await notify(summary, tracker);
    tracker.finish('completed');
    return summary;
  } catch (error) {
    tracker.finish(isCancellation(error) ? 'cancelled' : 'failed');
    throw error;
  }
}

async function select(input: FleetInput, run: FleetRun, tracker: RunbookTracker): Promise<FleetCluster[]> {
  const selection = await tracker.step(
    'select',
    () => reads.selectClusters(input.selector),
    (selected) => `${selected.clusters.length} cluster(s) match ${describeSelector(input.selector)}`,
  );
  return tracker.step(
    'filter',
    () => run.filter(selection),
    (kept) => `${kept.length} to ${input.action}, ${run.skipped.length} skipped`,
  );
}

/** A continued run: the first run selected and filtered; these are the clusters it left. */
async function carriedTargets(carried: FleetCarry, tracker: RunbookTracker): Promise<FleetCluster[]> {
  await tracker.step(
    'select',
    async () => carried,
    () =>
      `${carried.selected} cluster(s) selected by this fleet run's first run (this is run ${carried.runs + 1})`,
  );
  return tracker.step(
    'filter',
    async () => carried.targets,
    (kept) => `${kept.length} still to act on, ${carried.skipped.length} skipped so far`,
  );
}

function checkedSettings(input: FleetInput): FleetSettings {
  try {
    return fleetSettings(input);
  } catch (error) {
    throw ApplicationFailure.create({
      type: 'InvalidRunbookInput',
      nonRetryable: true,
      message: (error as Error).message,
    });
  }
}

/** Posts the summary; a webhook that stays down shows as a failed step, the run's result stands. */
async function notify(summary: FleetSummary, tracker: RunbookTracker): Promise<void> {
  try {
    await tracker.step(
      'notify',
      () => notifier.notifyFleetRun(summary),
      () => 'posted to the notification webhooks (those taking every event)',
    );
  } catch (error) {
    if (isCancellation(error)) throw error;
  }
}
