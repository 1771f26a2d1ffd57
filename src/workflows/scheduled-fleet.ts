import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import { isCancellation, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import {
  LATE_AFTER_MS,
  SCHEDULED_RUN_KIND,
  type ScheduledRunInput,
  type ScheduledRunResult,
} from '../schedules/scheduled-run';
import { nextSlotInstant, slotOfRun, type SlotClaim } from '../schedules/slots';
import { offHoursWorkflowId, slotFleetWorkflowId } from '../shared/runbook-ids';
import { formatDuration } from '../shared/durations';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { fleetRunbook } from './fleet';
import { offHoursGuard } from './off-hours';
import { RunbookTracker, runbookProgressQuery } from './progress';

export const SCHEDULED_RUN_STEPS = [
  { name: 'claim', title: 'Claim the local slot (one run per slot, whatever daylight saving does)' },
  { name: 'fleet', title: 'Run the fleet' },
];

/** Set by the Temporal server on every workflow a schedule starts: the time the schedule meant. */
const scheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/**
 * What a power schedule starts. It works out which local slot it stands for and claims it by
 * starting the fleet run under the id `fleet:<schedule>:<local date>T<local time>` (Temporal refuses a
 * second execution of an id), so a slot the server fires twice on a fall-back night runs once. A run
 * that begins later than the catch-up window (a worker down all night) does nothing and says so.
 */
export async function scheduledFleetRun(input: ScheduledRunInput): Promise<ScheduledRunResult> {
  const tracker = new RunbookTracker(SCHEDULED_RUN_KIND, input.scheduleName, SCHEDULED_RUN_STEPS);
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  const startedAtMs = Date.now();
  const scheduledAtMs = scheduledTime() ?? startedAtMs;
  const lateByMs = Math.max(0, startedAtMs - scheduledAtMs);
  const claim = slotOfRun(scheduledAtMs, input.timeZone, input.slots);
  const fleetRunbookId = slotFleetWorkflowId(input.scheduleId, claim.key);
  const result = (outcome: ScheduledRunResult['outcome'], extra: Partial<ScheduledRunResult> = {}) =>
    resultOf(input, { outcome, scheduledAtMs, startedAtMs, lateByMs, claim, fleetRunbookId, ...extra });
  try {
    if (lateByMs > input.catchupWindowMs) {
      const reason =
        `missed: began ${formatDuration(lateByMs)} after its time, beyond the catch-up window of ` +
        `${formatDuration(input.catchupWindowMs)}; nothing was done (run \`schedule trigger\` to act now)`;
      return finish(tracker, result('missed', { reason }), ['claim', 'fleet']);
    }
    const child = await tracker.step(
      'claim',
      () => claimSlot(input, fleetRunbookId),
      (handle) =>
        handle ? `claimed ${claim.key} (${claim.kind}): ${fleetRunbookId}` : `${claim.key} already claimed`,
    );
    if (!child) {
      const reason = `duplicate: ${fleetRunbookId} already ran for this slot (a repeated local time); did nothing`;
      return finish(tracker, result('duplicate', { reason }), ['fleet']);
    }
    const summary = await tracker.step(
      'fleet',
      () => child.result(),
      (fleet) => `${fleet.done.length} done, ${fleet.skipped.length} skipped, ${fleet.failed.length} failed`,
    );
    const reason = lateByMs >= LATE_AFTER_MS ? `late by ${formatDuration(lateByMs)}, caught up` : undefined;
    // Runs of schedules without enforced off-hours (and every run recorded before it) start nothing more.
    const offHoursGuardId = input.offHours ? await startOffHoursGuard(input) : undefined;
    const extra = { ...(reason ? { reason } : {}), ...(offHoursGuardId ? { offHoursGuardId } : {}) };
    return finish(tracker, result('ran', { summary, ...extra }), []);
  } catch (error) {
    tracker.finish(isCancellation(error) ? 'cancelled' : 'failed');
    throw error;
  }
}

/** Starts the fleet run under the slot's id; undefined when another run already claimed the slot. */
async function claimSlot(input: ScheduledRunInput, workflowId: string) {
  try {
    return await startChild(fleetRunbook, {
      workflowId,
      args: [input.fleet],
      // Closed runs keep their id for the namespace's retention: the repeated hour comes within it.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Cancelling the scheduled run cancels the fleet, which lets each cluster's change finish cleanly.
      parentClosePolicy: 'REQUEST_CANCEL',
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.kind, value: 'fleet' }],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw error;
  }
}

/** After a stop: the guard that keeps the clusters stopped until the next start; its id, or undefined. */
async function startOffHoursGuard(input: ScheduledRunInput): Promise<string | undefined> {
  const settings = input.offHours;
  if (!settings || input.action !== 'stop') return undefined;
  const untilMs = nextSlotInstant(settings.startSlots, Date.now(), input.timeZone);
  if (untilMs === undefined) return undefined;
  const until = new Date(untilMs).toISOString();
  const workflowId = offHoursWorkflowId(input.scheduleName, until);
  try {
    await startChild(offHoursGuard, {
      workflowId,
      args: [
        {
          scheduleName: input.scheduleName,
          selector: input.fleet.selector,
          until,
          graceMs: settings.graceMs,
          ...(settings.checkEveryMs ? { checkEveryMs: settings.checkEveryMs } : {}),
          ...(input.fleet.wait ? { wait: input.fleet.wait } : {}),
        },
      ],
      // The guard outlives this run: it ends at the next start.
      parentClosePolicy: 'ABANDON',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.kind, value: 'off-hours' }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return workflowId;
}

function scheduledTime(): number | undefined {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(scheduledStartTimeKey);
  if (typed) return new Date(typed).getTime();
  // Older servers: the schedule appends its nominal time to the id (`…-2026-10-25T01:30:00Z`).
  const match = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/.exec(info.workflowId);
  return match ? Date.parse(match[1] as string) : undefined;
}

function finish(tracker: RunbookTracker, result: ScheduledRunResult, skipped: string[]): ScheduledRunResult {
  for (const step of skipped) tracker.skip(step, result.reason ?? result.outcome);
  tracker.finish('completed');
  return result;
}

function resultOf(
  input: ScheduledRunInput,
  run: {
    outcome: ScheduledRunResult['outcome'];
    scheduledAtMs: number;
    startedAtMs: number;
    lateByMs: number;
    claim: SlotClaim;
    fleetRunbookId: string;
  } & Partial<ScheduledRunResult>,
): ScheduledRunResult {
  const { scheduledAtMs, startedAtMs, claim, ...rest } = run;
  return {
    scheduleName: input.scheduleName,
    action: input.action,
    scheduledAt: new Date(scheduledAtMs).toISOString(),
    startedAt: new Date(startedAtMs).toISOString(),
    late: run.lateByMs >= LATE_AFTER_MS,
    slot: {
      kind: claim.kind,
      localDate: claim.localDate,
      localTime: claim.localTime,
      timeZone: input.timeZone,
    },
    ...rest,
  };
}
