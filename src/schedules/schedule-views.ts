import type { Client, ScheduleDescription, ScheduleExecutionResult } from '@temporalio/client';
import type { PowerAction } from '../shared/power';
import type { ScheduledRunResult } from './scheduled-run';
import { powerScheduleHandles } from './schedule-service';
import type { PowerScheduleMemo } from './schedule-spec';
import { formatLocal } from './time-zones';
import { DEFAULT_ENVIRONMENT } from '../shared/environments';

/** What `schedule describe` shows: per action, paused state, next runs, and the recent runs with their outcome. */
export interface PowerScheduleView {
  name: string;
  timeZone: string;
  select: string;
  skipDates: string[];
  createdBy: string;
  createdAt: string;
  /** The Imply environment the runs act in. */
  environment: string;
  /** Enforced off-hours, in words, when the schedule has them. */
  offHours?: string;
  /** A shrink schedule's values (`data.tier1.replicas=1`): stop slots shrink, start slots restore. */
  shrink?: string;
  actions: ScheduleActionView[];
}

export interface ScheduleActionView {
  action: PowerAction;
  scheduleId: string;
  when: string;
  paused: boolean;
  note?: string;
  catchupWindowMs: number;
  /** Runs the server skipped because it was down longer than the catch-up window. */
  missedCatchupWindow: number;
  /** The extra runs for slots a spring-forward skips, as the calendar comments say. */
  daylightSavingRuns: string[];
  nextRuns: Array<{ at: string; local: string }>;
  recentRuns: RecentRun[];
}

export interface RecentRun {
  scheduledAt: string;
  local: string;
  takenAt: string;
  runbookId: string;
  /** The run's workflow status: RUNNING, COMPLETED, FAILED, … */
  status: string;
  outcome?: ScheduledRunResult['outcome'];
  lateByMs?: number;
  done?: number;
  skipped?: number;
  failed?: number;
  notStarted?: number;
  aborted?: string;
  reason?: string;
  fleetRunbookId?: string;
}

/** Describes both schedules of a name, reading each recent run's result. Read-only. */
export async function describePowerSchedule(
  client: Client,
  name: string,
  nextCount = 5,
): Promise<PowerScheduleView> {
  const handles = await powerScheduleHandles(client, name);
  const descriptions = await Promise.all(
    handles.map(async (entry) => ({ ...entry, description: await entry.handle.describe() })),
  );
  const memo = memoOf(descriptions[0]!.description);
  const actions: ScheduleActionView[] = [];
  for (const { action, description } of descriptions) {
    actions.push(await actionView(client, action, description, memo.timeZone, nextCount));
  }
  return {
    name,
    timeZone: memo.timeZone,
    select: memo.select,
    skipDates: memo.skipDates,
    createdBy: memo.createdBy,
    createdAt: memo.createdAt,
    environment: memo.environment ?? DEFAULT_ENVIRONMENT,
    ...(memo.offHours ? { offHours: memo.offHours } : {}),
    ...(memo.shrink ? { shrink: memo.shrink } : {}),
    actions,
  };
}

function memoOf(description: ScheduleDescription): PowerScheduleMemo {
  const memo = description.memo?.powerSchedule as PowerScheduleMemo | undefined;
  if (!memo)
    throw new Error(
      `schedule ${description.scheduleId} was not made by imply-runbooks (it has no powerSchedule memo)`,
    );
  return memo;
}

async function actionView(
  client: Client,
  action: PowerAction,
  description: ScheduleDescription,
  timeZone: string,
  nextCount: number,
): Promise<ScheduleActionView> {
  const recent = [...description.info.recentActions].reverse();
  return {
    action,
    scheduleId: description.scheduleId,
    when: memoOf(description).when,
    paused: description.state.paused,
    ...(description.state.note ? { note: description.state.note } : {}),
    catchupWindowMs: description.policies.catchupWindow,
    missedCatchupWindow: description.info.numActionsMissedCatchupWindow,
    daylightSavingRuns: (description.spec.calendars ?? [])
      .map((calendar) => calendar.comment ?? '')
      .filter((comment) => comment.startsWith('daylight saving')),
    nextRuns: description.info.nextActionTimes.slice(0, nextCount).map((time) => ({
      at: time.toISOString(),
      local: formatLocal(time.getTime(), timeZone),
    })),
    recentRuns: await Promise.all(recent.map((execution) => recentRun(client, execution, timeZone))),
  };
}

/** One recent run with what it did: the fleet summary's counts once it has ended. */
export async function recentRun(
  client: Client,
  execution: ScheduleExecutionResult,
  timeZone: string,
): Promise<RecentRun> {
  const { workflowId, firstExecutionRunId } = execution.action.workflow;
  const run: RecentRun = {
    scheduledAt: execution.scheduledAt.toISOString(),
    local: formatLocal(execution.scheduledAt.getTime(), timeZone),
    takenAt: execution.takenAt.toISOString(),
    runbookId: workflowId,
    status: 'UNKNOWN',
  };
  const handle = client.workflow.getHandle(workflowId, firstExecutionRunId);
  try {
    run.status = (await handle.describe()).status.name;
  } catch {
    // Past the namespace's retention the run is gone: show what the schedule remembers.
    return run;
  }
  if (run.status === 'COMPLETED')
    return { ...run, ...outcomeOf((await handle.result()) as ScheduledRunResult) };
  if (run.status === 'FAILED') {
    run.reason = await handle.result().then(
      () => undefined,
      (error: Error & { cause?: Error }) => error.cause?.message ?? error.message,
    );
  }
  return run;
}

function outcomeOf(result: ScheduledRunResult): Partial<RecentRun> {
  const summary = result.summary;
  return {
    outcome: result.outcome,
    lateByMs: result.lateByMs,
    fleetRunbookId: result.fleetRunbookId,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(summary
      ? {
          done: summary.done.length,
          skipped: summary.skipped.length,
          failed: summary.failed.length,
          notStarted: summary.notStarted.length,
          ...(summary.aborted ? { aborted: summary.aborted } : {}),
        }
      : {}),
  };
}
