import { DEFAULT_ENVIRONMENT } from '../shared/environments';
import { shrinkModeOf, type ShrinkMode } from '../shared/shrink';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleHandle,
} from '@temporalio/client';
import type { PowerAction } from '../shared/power';
import {
  buildScheduleOptions,
  checkScheduleName,
  powerScheduleId,
  type PowerScheduleDefinition,
  type PowerScheduleMemo,
} from './schedule-spec';

/**
 * The Temporal side of power schedules: one schedule per action (`<name>-stop`, `<name>-start`),
 * created, paused, triggered and deleted together.
 */

export const POWER_ACTIONS: readonly PowerAction[] = ['stop', 'start'];

/** Creates both schedules; if the second cannot be made, removes the first. Not idempotent: an existing name is refused. */
export async function createPowerSchedule(
  client: Client,
  definition: PowerScheduleDefinition,
  taskQueue: string,
  nowMs = Date.now(),
): Promise<ScheduleHandle[]> {
  checkScheduleName(definition.name);
  const created: ScheduleHandle[] = [];
  try {
    for (const action of POWER_ACTIONS) {
      created.push(await client.schedule.create(buildScheduleOptions(definition, action, taskQueue, nowMs)));
    }
    return created;
  } catch (error) {
    for (const handle of created) await handle.delete().catch(() => undefined);
    if (error instanceof ScheduleAlreadyRunning) {
      throw new Error(
        `schedule "${definition.name}" already exists (${error.scheduleId}): pick another name, ` +
          `or remove it first with \`imply-runbooks schedule delete ${definition.name}\``,
      );
    }
    throw error;
  }
}

/** Handles of both schedules of a name, after checking they exist. Read-only. */
export async function powerScheduleHandles(
  client: Client,
  name: string,
): Promise<Array<{ action: PowerAction; handle: ScheduleHandle }>> {
  checkScheduleName(name);
  const handles = POWER_ACTIONS.map((action) => ({
    action,
    handle: client.schedule.getHandle(powerScheduleId(name, action)),
  }));
  const found = await Promise.all(handles.map(({ handle }) => exists(handle)));
  if (!found.some(Boolean)) {
    throw new Error(
      `no schedule named "${name}" (looked for ${handles.map(({ handle }) => handle.scheduleId).join(' and ')}): ` +
        'see `imply-runbooks schedule list`',
    );
  }
  return handles.filter((_, index) => found[index]);
}

async function exists(handle: ScheduleHandle): Promise<boolean> {
  try {
    await handle.describe();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

/** Pauses both schedules with a note saying who and why. Safe to repeat. */
export async function pausePowerSchedule(client: Client, name: string, note: string): Promise<void> {
  for (const { handle } of await powerScheduleHandles(client, name)) await handle.pause(note);
}

/** Unpauses both schedules. Safe to repeat. */
export async function unpausePowerSchedule(client: Client, name: string, note: string): Promise<void> {
  for (const { handle } of await powerScheduleHandles(client, name)) await handle.unpause(note);
}

/** Starts one run of an action now (a manual run: it claims its own slot). Each call is a new run. */
export async function triggerPowerSchedule(
  client: Client,
  name: string,
  action: PowerAction,
): Promise<string> {
  const entry = (await powerScheduleHandles(client, name)).find((candidate) => candidate.action === action);
  if (!entry)
    throw new Error(`schedule "${name}" has no ${action} schedule (${powerScheduleId(name, action)})`);
  // ALLOW_ALL: a person asked for this run; a scheduled run still going must not swallow it.
  await entry.handle.trigger('ALLOW_ALL');
  return entry.handle.scheduleId;
}

/** Deletes both schedules; runs already started finish. Safe to repeat once gone (then it says so). */
export async function deletePowerSchedule(client: Client, name: string): Promise<string[]> {
  const handles = await powerScheduleHandles(client, name);
  for (const { handle } of handles) await handle.delete();
  return handles.map(({ handle }) => handle.scheduleId);
}

export interface PowerScheduleListing {
  name: string;
  timeZone: string;
  select: string;
  /** The Imply environment its runs act in. */
  environment: string;
  actions: Array<{
    action: PowerAction;
    /** A shrink schedule's action: its stop slot shrinks, its start slot restores. */
    shrink?: ShrinkMode;
    scheduleId: string;
    when: string;
    paused: boolean;
    nextRun?: string;
  }>;
}

/** Every power schedule in the namespace, grouped by name (listing is eventually consistent). Read-only. */
export async function listPowerSchedules(client: Client): Promise<PowerScheduleListing[]> {
  const byName = new Map<string, PowerScheduleListing>();
  for await (const summary of client.schedule.list()) {
    const memo = summary.memo?.powerSchedule as PowerScheduleMemo | undefined;
    if (!memo?.name || !memo.action) continue;
    const listing = byName.get(memo.name) ?? {
      name: memo.name,
      timeZone: memo.timeZone,
      select: memo.select,
      environment: memo.environment ?? DEFAULT_ENVIRONMENT,
      actions: [],
    };
    const next = summary.info.nextActionTimes[0];
    listing.actions.push({
      action: memo.action,
      ...(memo.shrink ? { shrink: shrinkModeOf(memo.action) } : {}),
      scheduleId: summary.scheduleId,
      when: memo.when,
      paused: summary.state.paused,
      ...(next ? { nextRun: next.toISOString() } : {}),
    });
    byName.set(memo.name, listing);
  }
  const listings = [...byName.values()];
  for (const listing of listings) {
    listing.actions.sort(
      (left, right) => POWER_ACTIONS.indexOf(left.action) - POWER_ACTIONS.indexOf(right.action),
    );
  }
  return listings.sort((left, right) => left.name.localeCompare(right.name));
}
