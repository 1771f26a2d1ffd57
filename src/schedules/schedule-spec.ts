import { DAYS_OF_WEEK, MONTHS, type CalendarSpec, type ScheduleOptions } from '@temporalio/client';
import type { ClusterSelector, PowerAction } from '../shared/power';
import type { WaitOptions } from '../shared/runbook';
import { DEFAULT_ENVIRONMENT, ENVIRONMENT_MEMO_KEY } from '../shared/environments';
import { formatDuration } from '../shared/durations';
import type { OffHoursSettings } from '../shared/off-hours';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { describeSpecChanges, type SpecChange } from '../shared/spec-changes';
import { SCHEDULED_RUN_KIND, type ScheduledRunInput } from './scheduled-run';
import { describeSkipDate, type SkipDate } from './skip-dates';
import { gapRuns } from './slots';
import { formatClock, formatLocalDate } from './time-zones';
import { describeSlot, type WhenSlot } from './when';

/**
 * A power schedule as `schedule create` defines it, and the two Temporal Schedules it becomes:
 * `<name>-stop` and `<name>-start`, each starting `scheduledFleetRun` with its own action.
 */
export interface PowerScheduleDefinition {
  name: string;
  timeZone: string;
  stop: { text: string; slots: WhenSlot[] };
  start: { text: string; slots: WhenSlot[] };
  selector: ClusterSelector;
  /** The `--select` values as typed, for list and describe. */
  selectText: string;
  skipDates: SkipDate[];
  catchupWindowMs: number;
  concurrency?: number;
  requestsPerSecond?: number;
  maxFailureShare?: number;
  wait?: WaitOptions;
  createdBy: string;
  /** Extra runs for slots skipped by spring-forward are added this many years ahead; default 10. */
  daylightSavingYears?: number;
  /** No run before this instant (tests start a schedule just before a daylight-saving change). */
  startAt?: Date;
  /** The Imply environment its runs act in (`--environment`); absent: default. */
  environment?: string;
  /** Enforced off-hours (`--enforce-off-hours <grace>`): clusters started by hand are stopped again. */
  offHours?: OffHoursSettings;
  /**
   * A shrink schedule (`--shrink data.tier1.replicas=1`): at the stop slots it scales to these values
   * instead of stopping, at the start slots it puts back what each cluster had.
   */
  shrink?: SpecChange[];
}

/** `ImplyRunbookKind` of the Temporal Schedules this product creates: `schedule list` finds them by it. */
export const POWER_SCHEDULE_KIND = 'power-schedule';
export const DEFAULT_CATCHUP_WINDOW_MS = 3_600_000;
const DEFAULT_DAYLIGHT_SAVING_YEARS = 10;
const YEAR_MS = 365.25 * 86_400_000;

/** What `schedule list` and `describe` read back from the schedule's memo. */
export interface PowerScheduleMemo {
  name: string;
  action: PowerAction;
  when: string;
  timeZone: string;
  select: string;
  skipDates: string[];
  createdBy: string;
  createdAt: string;
  /** Absent in schedules made before environments existed: the default one. */
  environment?: string;
  /** `enforced: stopped again 30m after the owner is told`, when off-hours are enforced. */
  offHours?: string;
  /** `data.tier1.replicas=1`: a shrink schedule's values (its stop slot shrinks, its start slot restores). */
  shrink?: string;
}

/** `nightly-stop`: the Temporal Schedule id of one action of a power schedule. */
export function powerScheduleId(name: string, action: PowerAction): string {
  return `${name}-${action}`;
}

/** Throws naming the argument when a schedule name cannot become a Temporal Schedule id. Pure. */
export function checkScheduleName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new Error(
      `schedule name "${name}" is not usable: use letters, digits, ".", "_" and "-" (up to 100), e.g. test-clusters-nightly`,
    );
  }
}

/** The Temporal Schedule for one action of a definition, as of `nowMs`. Pure. */
export function buildScheduleOptions(
  definition: PowerScheduleDefinition,
  action: PowerAction,
  taskQueue: string,
  nowMs: number,
): ScheduleOptions {
  const scheduleId = powerScheduleId(definition.name, action);
  const slots = definition[action].slots;
  const fromMs = Math.max(nowMs, definition.startAt?.getTime() ?? 0);
  const horizonMs = (definition.daylightSavingYears ?? DEFAULT_DAYLIGHT_SAVING_YEARS) * YEAR_MS;
  return {
    scheduleId,
    spec: {
      calendars: [
        ...slotCalendars(slots),
        ...gapCalendars(slots, definition.timeZone, fromMs - 86_400_000, fromMs + horizonMs),
      ],
      skip: skipCalendars(definition.skipDates),
      timezone: definition.timeZone,
      ...(definition.startAt ? { startAt: definition.startAt } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledFleetRun',
      workflowId: `scheduled:${scheduleId}`,
      taskQueue,
      args: [runInput(definition, action)],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.kind, value: SCHEDULED_RUN_KIND }],
      ...(definition.environment && definition.environment !== DEFAULT_ENVIRONMENT
        ? { memo: { [ENVIRONMENT_MEMO_KEY]: definition.environment } }
        : {}),
    },
    // SKIP: tonight's run never starts while last night's is still going; catch-up covers outages.
    policies: { overlap: 'SKIP', catchupWindow: definition.catchupWindowMs, pauseOnFailure: false },
    memo: { powerSchedule: memoOf(definition, action, nowMs) },
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.kind, value: POWER_SCHEDULE_KIND }],
  };
}

/** What each run of one action gets: its slots (to claim one) and the fleet run's input. */
function runInput(definition: PowerScheduleDefinition, action: PowerAction): ScheduledRunInput {
  return {
    scheduleName: definition.name,
    scheduleId: powerScheduleId(definition.name, action),
    action,
    timeZone: definition.timeZone,
    slots: definition[action].slots,
    catchupWindowMs: definition.catchupWindowMs,
    ...(definition.offHours && action === 'stop'
      ? { offHours: { ...definition.offHours, startSlots: definition.start.slots } }
      : {}),
    fleet: {
      action,
      selector: definition.selector,
      scheduleName: definition.name,
      requester: `schedule ${definition.name} (created by ${definition.createdBy})`,
      ...(definition.shrink ? { shrink: definition.shrink } : {}),
      ...definedOnly({
        concurrency: definition.concurrency,
        requestsPerSecond: definition.requestsPerSecond,
        maxFailureShare: definition.maxFailureShare,
        wait: definition.wait,
      }),
    },
  };
}

function memoOf(definition: PowerScheduleDefinition, action: PowerAction, nowMs: number): PowerScheduleMemo {
  return {
    name: definition.name,
    action,
    when: definition[action].text,
    timeZone: definition.timeZone,
    select: definition.selectText,
    skipDates: definition.skipDates.map(describeSkipDate),
    createdBy: definition.createdBy,
    createdAt: new Date(nowMs).toISOString(),
    ...(definition.offHours
      ? {
          offHours: `enforced: a cluster started by hand is stopped again ${formatDuration(definition.offHours.graceMs)} after its owner is told`,
        }
      : {}),
    ...(definition.environment && definition.environment !== DEFAULT_ENVIRONMENT
      ? { environment: definition.environment }
      : {}),
    ...(definition.shrink ? { shrink: describeSpecChanges(definition.shrink) } : {}),
  };
}

/** One calendar entry per slot; second, minute and hour are set, the date fields match every value. Pure. */
export function slotCalendars(slots: readonly WhenSlot[]): CalendarSpec[] {
  return slots.map((slot) => ({
    second: 0,
    minute: slot.minute,
    hour: slot.hour,
    dayOfWeek:
      slot.days.length === 7
        ? '*'
        : slot.days.map((day) => DAYS_OF_WEEK[day] as (typeof DAYS_OF_WEEK)[number]),
    comment: describeSlot(slot),
  }));
}

/**
 * One dated entry for each slot a spring-forward gap removes, at the shifted time, because the
 * server skips a local time that does not exist. Pure.
 */
export function gapCalendars(
  slots: readonly WhenSlot[],
  timeZone: string,
  fromMs: number,
  toMs: number,
): CalendarSpec[] {
  return gapRuns(slots, timeZone, fromMs, toMs).map((run) => ({
    second: 0,
    minute: run.runsAt.minute,
    hour: run.runsAt.hour,
    dayOfMonth: run.date.day,
    month: MONTHS[run.date.month - 1] as (typeof MONTHS)[number],
    year: run.date.year,
    comment:
      `daylight saving: ${formatClock(run.slot.hour, run.slot.minute)} does not exist on ${formatLocalDate(run.date)}, ` +
      `runs at ${formatClock(run.runsAt.hour, run.runsAt.minute)}`,
  }));
}

/** Whole local days to skip, grouped by year and month; `skip` entries must match every field, seconds too. Pure. */
export function skipCalendars(dates: readonly SkipDate[]): CalendarSpec[] {
  const groups = new Map<string, { year?: number; month: number; days: Set<number> }>();
  for (const date of dates) {
    const key = `${date.year ?? '*'}-${date.month}`;
    const group = groups.get(key) ?? { year: date.year, month: date.month, days: new Set<number>() };
    group.days.add(date.day);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => ({
    second: '*',
    minute: '*',
    hour: '*',
    dayOfMonth: [...group.days].sort((left, right) => left - right),
    month: MONTHS[group.month - 1] as (typeof MONTHS)[number],
    ...(group.year === undefined ? {} : { year: group.year }),
    comment: 'skip date',
  }));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
