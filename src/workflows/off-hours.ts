import {
  continueAsNew,
  isCancellation,
  executeChild,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { FleetCluster } from '../activities/fleet';
import { formatDuration } from '../shared/durations';
import { planFleet } from '../shared/fleet-plan';
import {
  OFF_HOURS_CHECK_DEFAULT_MS,
  type OffHoursGuardInput,
  type OffHoursResult,
} from '../shared/off-hours';
import { runbookAttributes, type PowerInput } from '../shared/power';
import { reads } from './activities';
import { powerRunbook } from './power';
import { RunbookTracker, runbookProgressQuery } from './progress';
import { changeWorkflowId } from '../shared/runbook-ids';

/** Announcements go out a few times at most: a webhook that is down must not keep a cluster up. */
const notifier = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** Past this many history events the guard continues as new, carrying what it announced. */
const HISTORY_BUDGET = 5_000;
const STEPS = [{ name: 'guard', title: 'Keep the selected clusters stopped until the next start' }];

/**
 * Enforced off-hours: from a scheduled stop until the schedule's next start, looks every
 * `checkEveryMs` for selected clusters someone started by hand. Each is announced (webhooks, naming
 * its `owner` tag), then stopped again through its power runbook once `graceMs` passed, unless a
 * keep-alive covers it by then or it was stopped meanwhile. Opted-out clusters are left alone.
 */
export async function offHoursGuard(input: OffHoursGuardInput): Promise<OffHoursResult> {
  const tracker = new RunbookTracker('off-hours', input.scheduleName, STEPS);
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  const untilMs = Date.parse(input.until);
  const checkEveryMs = input.checkEveryMs ?? OFF_HOURS_CHECK_DEFAULT_MS;
  const announced = new Map(Object.entries(input.announced ?? {}));
  const stopped = [...(input.stopped ?? [])];
  const everAnnounced = new Set<string>();
  await tracker.step(
    'guard',
    async () => {
      while (Date.now() < untilMs) {
        await look(input, announced, stopped, everAnnounced);
        if (workflowInfo().historyLength > HISTORY_BUDGET) {
          await continueAsNew<typeof offHoursGuard>({
            ...input,
            announced: Object.fromEntries(announced),
            stopped,
          });
        }
        tracker.detail(
          `${announced.size} announced, ${stopped.length} stopped again; next look in ${formatDuration(checkEveryMs)}`,
        );
        await sleep(Math.max(1, Math.min(checkEveryMs, untilMs - Date.now())));
      }
    },
    () => `${stopped.length} stopped again until ${input.until}`,
  );
  tracker.finish('completed');
  return { scheduleName: input.scheduleName, until: input.until, stopped, announced: [...everAnnounced] };
}

/** One look: announce new intruders, stop those whose grace is over, forget those no longer running. */
async function look(
  input: OffHoursGuardInput,
  announced: Map<string, number>,
  stopped: string[],
  everAnnounced: Set<string>,
): Promise<void> {
  const selection = await reads.selectClusters(input.selector);
  const running = selection.clusters.filter((cluster) => ['RUNNING', 'STARTING'].includes(cluster.state));
  const keepAlives = running.some((cluster) => !cluster.optedOut) ? await reads.listKeepAlives() : [];
  const targets = planFleet({ clusters: running, missing: [] }, keepAlives, input.selector).targets;
  for (const id of [...announced.keys()]) {
    if (!targets.some((cluster) => cluster.id === id)) announced.delete(id);
  }
  for (const cluster of targets) {
    const since = announced.get(cluster.id);
    if (since === undefined) {
      announced.set(cluster.id, Date.now());
      everAnnounced.add(cluster.name);
      await notifier.notifyOffHours({
        scheduleName: input.scheduleName,
        cluster: cluster.name,
        clusterId: cluster.id,
        ...(cluster.owner ? { owner: cluster.owner } : {}),
        stopAt: new Date(Date.now() + input.graceMs).toISOString(),
      });
    } else if (Date.now() - since >= input.graceMs) {
      announced.delete(cluster.id);
      if (await stopAgain(input, cluster)) stopped.push(cluster.name);
    }
  }
}

/** The cluster's power runbook, as the fleet runs it; false when another change holds the cluster. */
async function stopAgain(input: OffHoursGuardInput, cluster: FleetCluster): Promise<boolean> {
  const powerInput: PowerInput = {
    clusterId: cluster.id,
    action: 'stop',
    requester: `off-hours guard of schedule ${input.scheduleName}`,
    source: 'schedule',
    scheduleName: input.scheduleName,
    ...(input.wait ? { wait: input.wait } : {}),
  };
  try {
    const result = await executeChild(powerRunbook, {
      workflowId: changeWorkflowId(cluster.id),
      args: [powerInput],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      parentClosePolicy: 'REQUEST_CANCEL',
      typedSearchAttributes: runbookAttributes('power', cluster.id, cluster.name),
    });
    return result.outcome === 'done';
  } catch (error) {
    if (isCancellation(error)) throw error;
    // Busy with another change, or the stop failed: the next look finds it running and announces it again.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    return false;
  }
}
