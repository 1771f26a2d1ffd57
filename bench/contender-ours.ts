import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { definitionFromFlags } from '../src/schedules/definition-from-flags';
import type { ScheduledRunResult } from '../src/schedules/scheduled-run';
import {
  createPowerSchedule,
  deletePowerSchedule,
  triggerPowerSchedule,
} from '../src/schedules/schedule-service';
import { powerScheduleId } from '../src/schedules/schedule-spec';
import type { FleetWorld } from './fleet-world';
import { countHistoryEvents, type HistoryCount } from './history-events';
import type { BenchStack } from './stack';

/**
 * Our fleet stop as users run it: a power schedule over the run's clusters (`schedule create`'s own
 * flag parsing), then `schedule trigger --action stop` (the function the command calls), timed from
 * the trigger to the scheduled run's result, which carries the fleet summary.
 */
export interface OursResult {
  wallMs: number;
  done: number;
  failed: string[];
  history: HistoryCount;
  /** Mean time one power runbook took, from its own start to its end (the summary's results). */
  meanRunbookMs: number;
}

const YEAR_MS = 365 * 86_400_000;

async function firstRun(client: Client, scheduleId: string): Promise<{ workflowId: string; runId: string }> {
  const handle = client.schedule.getHandle(scheduleId);
  for (;;) {
    const [action] = (await handle.describe()).info.recentActions;
    if (action) {
      return {
        workflowId: action.action.workflow.workflowId,
        runId: action.action.workflow.firstExecutionRunId,
      };
    }
    await delay(20);
  }
}

function scheduleFor(world: FleetWorld, options: { concurrency: number; rate: number }) {
  const definition = definitionFromFlags(
    `bench-${world.tag.value}`,
    {
      stop: 'daily 03:00',
      start: 'daily 07:00',
      timezone: 'UTC',
      select: [`${world.tag.name}=${world.tag.value}`],
      concurrency: String(options.concurrency),
      rate: String(options.rate),
    },
    'bench',
  );
  // Only the trigger may run it: a calendar time falling inside the benchmark would start a second run.
  definition.startAt = new Date(Date.now() + YEAR_MS);
  return definition;
}

/** Creates a schedule, triggers its stop, waits for the summary, counts history; deletes the schedule. */
export async function runOurs(
  stack: BenchStack,
  world: FleetWorld,
  options: { concurrency: number; rate: number },
): Promise<OursResult> {
  const worker = await stack.startWorker(world.api);
  const definition = scheduleFor(world, options);
  try {
    await createPowerSchedule(stack.client, definition, worker.taskQueue);
    const started = performance.now();
    await triggerPowerSchedule(stack.client, definition.name, 'stop');
    const run = await firstRun(stack.client, powerScheduleId(definition.name, 'stop'));
    const result = (await stack.client.workflow
      .getHandle(run.workflowId, run.runId)
      .result()) as ScheduledRunResult;
    const wallMs = performance.now() - started;
    const summary = result.summary;
    const durations = (summary?.results ?? []).map(
      (entry) => Date.parse(entry.endedAt) - Date.parse(entry.startedAt),
    );
    return {
      wallMs,
      done: summary?.done.length ?? 0,
      failed: [
        ...(summary?.failed.map((entry) => `${entry.cluster}: ${entry.reason}`) ?? []),
        ...(summary ? [] : [`no fleet summary: ${result.outcome} ${result.reason ?? ''}`]),
      ],
      history: await countHistoryEvents(stack.client, run),
      meanRunbookMs: durations.reduce((sum, value) => sum + value, 0) / Math.max(durations.length, 1),
    };
  } finally {
    await deletePowerSchedule(stack.client, definition.name).catch(() => undefined);
    await worker.stop();
  }
}
