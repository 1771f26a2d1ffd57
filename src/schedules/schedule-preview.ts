import type { Client, ScheduleDescription } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import { fleetActivities, type FleetCluster } from '../activities/fleet';
import type { CloudManagerClient } from '../cloud-manager/client';
import { planFleet } from '../shared/fleet-plan';
import type { PowerAction } from '../shared/power';
import { shrinkModeOf, shrunkNodes, type ShrinkMode } from '../shared/shrink';
import { describeSpecChanges, type SpecChange } from '../shared/spec-changes';
import type { PriceTable } from './prices';
import { hourlyPrice } from './savings';
import type { ScheduledRunInput } from './scheduled-run';
import { powerScheduleHandles } from './schedule-service';
import type { PowerScheduleMemo } from './schedule-spec';
import { formatLocal, formatLocalDate, nextDate, wallTimeAt, weekdayOf, type LocalDate } from './time-zones';

/**
 * `schedule preview <name> --days N`: every slot the Temporal Schedules will fire in the next N days
 * (as the server computes them: ListScheduleMatchingTimes, so skip dates and daylight saving are the
 * server's own), the clusters each would stop or start today (the fleet run's `planFleet`, with each
 * keep-alive applied until it expires), the holidays skipped by name, and the hours stopped and
 * money saved it forecasts. Reads only.
 */

export interface PreviewSlot {
  action: PowerAction;
  /** A shrink schedule's slot: its stop slots shrink, its start slots restore. */
  shrink?: ShrinkMode;
  at: string;
  local: string;
  acts: string[];
  skipped: Array<{ cluster: string; reason: string }>;
}

export interface SchedulePreview {
  name: string;
  timeZone: string;
  from: string;
  to: string;
  paused: PowerAction[];
  /** A shrink schedule's values (`data.tier1.replicas=1`): the forecast counts hours shrunk and what the removed capacity costs. */
  shrink?: string;
  slots: PreviewSlot[];
  /** Skip dates in the window on which a slot would otherwise have run. */
  holidays: Array<{ date: string; label: string; actions: PowerAction[] }>;
  forecast: {
    currency: string;
    hoursStopped: number;
    saved: number;
    clusters: Array<{ cluster: string; hoursStopped: number; saved: number }>;
    unpriced: string[];
  };
}

interface ActionSchedule {
  action: PowerAction;
  input: ScheduledRunInput;
  description: ScheduleDescription;
}

/** Builds the preview from the schedules, the API's cluster list and the keep-alives. Read-only. */
export async function previewPowerSchedule(
  client: Client,
  namespace: string,
  api: CloudManagerClient,
  options: { name: string; days: number; prices: PriceTable; nowMs?: number },
): Promise<SchedulePreview> {
  const fromMs = options.nowMs ?? Date.now();
  const toMs = fromMs + options.days * 86_400_000;
  const actions = await describeActions(client, options.name);
  const first = actions[0]!;
  const reads = fleetActivities({ api, temporal: { client, namespace } });
  const selection = await reads.selectClusters(first.input.fleet.selector);
  const keepAlives = await reads.listKeepAlives();
  const slots: PreviewSlot[] = [];
  const shrink = first.input.fleet.shrink;
  for (const { action, input, description } of actions) {
    if (description.state.paused) continue;
    for (const atMs of await matchingTimes(client, namespace, description.scheduleId, fromMs, toMs)) {
      // A keep-alive holds off a stop only until it expires.
      const inForce = action === 'stop' ? keepAlives.filter((entry) => Date.parse(entry.until) > atMs) : [];
      const plan = planFleet(selection, inForce, input.fleet.selector);
      slots.push({
        action,
        ...(input.fleet.shrink ? { shrink: shrinkModeOf(action) } : {}),
        at: new Date(atMs).toISOString(),
        local: formatLocal(atMs, input.timeZone),
        acts: plan.targets.map((cluster) => cluster.name),
        skipped: [...plan.skipped, ...plan.failed],
      });
    }
  }
  slots.sort((left, right) => Date.parse(left.at) - Date.parse(right.at));
  return {
    name: options.name,
    timeZone: first.input.timeZone,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    paused: actions.filter((entry) => entry.description.state.paused).map((entry) => entry.action),
    ...(shrink ? { shrink: describeSpecChanges(shrink) } : {}),
    slots,
    holidays: holidaysIn(actions, fromMs, toMs),
    forecast: forecast(slots, selection.clusters, toMs, options.prices, shrink),
  };
}

async function describeActions(client: Client, name: string): Promise<ActionSchedule[]> {
  const handles = await powerScheduleHandles(client, name);
  return Promise.all(
    handles.map(async ({ action, handle }) => {
      const description = await handle.describe();
      const input = (description.action as { args?: unknown[] }).args?.[0] as ScheduledRunInput | undefined;
      if (!input?.fleet?.selector) {
        throw new Error(
          `schedule ${handle.scheduleId} was not made by \`schedule create\`: nothing to preview`,
        );
      }
      return { action, input, description };
    }),
  );
}

/** The instants the server will start runs at in the window (skip dates and daylight saving applied). */
async function matchingTimes(
  client: Client,
  namespace: string,
  scheduleId: string,
  fromMs: number,
  toMs: number,
): Promise<number[]> {
  const response = await client.workflowService.listScheduleMatchingTimes({
    namespace,
    scheduleId,
    startTime: msToTs(fromMs),
    endTime: msToTs(toMs),
  });
  return (response.startTime ?? []).map((time) => tsToMs(time));
}

/** Skip dates of the memo (`2027-03-26 Good Friday (DE-BY)`, `every 12-24`) on which a slot would run. */
function holidaysIn(actions: ActionSchedule[], fromMs: number, toMs: number): SchedulePreview['holidays'] {
  const memo = actions[0]!.description.memo?.powerSchedule as PowerScheduleMemo | undefined;
  const timeZone = actions[0]!.input.timeZone;
  const holidays: SchedulePreview['holidays'] = [];
  const last = formatLocalDate(wallTimeAt(toMs, timeZone));
  for (let date: LocalDate = wallTimeAt(fromMs, timeZone); ; date = nextDate(date)) {
    const text = formatLocalDate(date);
    const entry = (memo?.skipDates ?? []).find((skip) => skipMatches(skip, text));
    if (entry) {
      const running = actions.filter(({ input }) =>
        input.slots.some((slot) => slot.days.includes(weekdayOf(date))),
      );
      const label = entry.replace(/^(every )?[\d-]+\s*/, '') || 'skip date';
      if (running.length > 0) holidays.push({ date: text, label, actions: running.map((run) => run.action) });
    }
    if (text >= last) break;
  }
  return holidays;
}

function skipMatches(skip: string, date: string): boolean {
  const yearly = /^every (\d{2}-\d{2})/.exec(skip);
  return yearly ? date.endsWith(`-${yearly[1]}`) : skip.startsWith(date);
}

/**
 * Each stop until the next start that follows it (or the window's end), priced by the cluster's node
 * groups; for a shrink schedule, each shrink until the restore, priced by the capacity it removes.
 */
function forecast(
  slots: PreviewSlot[],
  clusters: FleetCluster[],
  toMs: number,
  prices: PriceTable,
  shrink?: SpecChange[],
): SchedulePreview['forecast'] {
  const unpriced = new Set<string>();
  const rows = clusters.flatMap((cluster) => {
    let hours = 0;
    let stoppedAt: number | undefined;
    for (const slot of slots) {
      const atMs = Date.parse(slot.at);
      if (slot.action === 'stop' && stoppedAt === undefined && slot.acts.includes(cluster.name))
        stoppedAt = atMs;
      if (slot.action === 'start' && stoppedAt !== undefined && slot.acts.includes(cluster.name)) {
        hours += (atMs - stoppedAt) / 3_600_000;
        stoppedAt = undefined;
      }
    }
    if (stoppedAt !== undefined) hours += (toMs - stoppedAt) / 3_600_000;
    if (hours === 0) return [];
    const running = hourlyPrice(cluster.nodes, prices, unpriced);
    const saving = shrink
      ? Math.max(0, running - hourlyPrice(shrunkNodes(cluster.nodes, shrink), prices, unpriced))
      : running;
    const saved = hours * saving;
    return [{ cluster: cluster.name, hoursStopped: round(hours), saved: round(saved) }];
  });
  return {
    currency: prices.currency,
    hoursStopped: round(rows.reduce((sum, row) => sum + row.hoursStopped, 0)),
    saved: round(rows.reduce((sum, row) => sum + row.saved, 0)),
    clusters: rows,
    unpriced: [...unpriced].sort(),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
