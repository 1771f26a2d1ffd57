import { isRegionCode, regionalHolidays } from './regional-holidays';
import { existsSync, readFileSync } from 'node:fs';
import { parseTypedSpecChange } from '../cloud-manager/path-types';
import { parseDuration } from '../shared/durations';
import type { SpecChange } from '../shared/spec-changes';
import { fleetSettings } from '../shared/fleet-settings';
import { waitFromFlags } from '../shared/wait-flags';
import { describeSelector, parseSelector } from '../shared/selector';
import { DEFAULT_CATCHUP_WINDOW_MS, checkScheduleName, type PowerScheduleDefinition } from './schedule-spec';
import { parseIcs, parseSkipDates, type SkipDate } from './skip-dates';
import { isKnownTimeZone } from './time-zones';
import { parseWhen } from './when';

/** The flags of `schedule create`, as commander hands them over. */
export interface ScheduleCreateFlags {
  stop?: string;
  start?: string;
  timezone?: string;
  select?: string[];
  optOutTag?: string;
  skipDates?: string[];
  holidays?: string[];
  catchupWindow?: string;
  concurrency?: string;
  rate?: string;
  maxFailureShare?: string;
  transitionTimeout?: string;
  pollInitial?: string;
  pollMax?: string;
  enforceOffHours?: string;
  offHoursCheck?: string;
  shrink?: string[];
}

/** Checks every flag and builds the definition; each error names its flag and the accepted forms. Reads `--holidays` files. */
export function definitionFromFlags(
  name: string,
  flags: ScheduleCreateFlags,
  createdBy: string,
): PowerScheduleDefinition {
  checkScheduleName(name);
  if (!flags.stop || !flags.start) {
    throw new Error(
      'give both --stop "<when>" and --start "<when>", e.g. --stop "Mon-Fri 19:00" --start "Mon-Fri 07:00"',
    );
  }
  const timeZone = checkedTimeZone(flags.timezone);
  const selector = parseSelector(flags.select ?? [], flags.optOutTag);
  const definition: PowerScheduleDefinition = {
    name,
    timeZone,
    stop: { text: flags.stop.trim(), slots: parseWhen(flags.stop, '--stop') },
    start: { text: flags.start.trim(), slots: parseWhen(flags.start, '--start') },
    selector,
    selectText: describeSelector(selector),
    skipDates: skipDatesFromFlags(flags),
    catchupWindowMs: catchupWindow(flags.catchupWindow),
    createdBy,
    ...numbers(flags),
  };
  const wait = waitFromFlags(flags);
  if (wait) definition.wait = wait;
  const offHours = offHoursFromFlags(flags);
  if (offHours) definition.offHours = offHours;
  const shrink = shrinkFromFlags(flags);
  if (shrink) definition.shrink = shrink;
  fleetSettings({
    action: 'stop',
    selector,
    requester: createdBy,
    scheduleName: name,
    ...numbers(flags),
    ...(shrink ? { shrink } : {}),
  });
  return definition;
}

/** An IANA `Area/Location` name (or UTC) that this runtime knows: the server reads the same database. */
function checkedTimeZone(text: string | undefined): string {
  const timeZone = text?.trim() ?? '';
  const zoneLike = timeZone === 'UTC' || /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(timeZone);
  if (!zoneLike || !isKnownTimeZone(timeZone)) {
    throw new Error(
      `--timezone ${timeZone ? `"${timeZone}" is not an IANA time zone` : 'is required'}: ` +
        'write a zone name such as Europe/Berlin, America/New_York or UTC',
    );
  }
  return timeZone;
}

function catchupWindow(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CATCHUP_WINDOW_MS;
  const ms = parseDuration(text, '--catchup-window');
  // The server counts the window in whole seconds and will not go under 10 s.
  if (ms < 10_000)
    throw new Error(`--catchup-window "${text}" is too short: give at least 10s (e.g. 30m, 1h, 4h)`);
  // A stop or start caught up later than a day would act on a night or morning long gone.
  if (ms > DAY)
    throw new Error(`--catchup-window "${text}" is too long: give at most 24h (e.g. 30m, 1h, 4h)`);
  return ms;
}

function numbers(flags: ScheduleCreateFlags) {
  const result: { concurrency?: number; requestsPerSecond?: number; maxFailureShare?: number } = {};
  if (flags.concurrency !== undefined)
    result.concurrency = number(flags.concurrency, '--concurrency', 'a whole number such as 10');
  if (flags.rate !== undefined)
    result.requestsPerSecond = number(flags.rate, '--rate', 'requests per second such as 10');
  if (flags.maxFailureShare !== undefined) {
    result.maxFailureShare = number(
      flags.maxFailureShare,
      '--max-failure-share',
      'a share between 0 and 1 such as 0.3',
    );
  }
  return result;
}

function number(text: string, flag: string, form: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new Error(`${flag} "${text}" is not a number: give ${form}`);
  return value;
}

/** `--skip-dates` lists and `--holidays` (an .ics file, a country or region code, or a list like --skip-dates). */
function skipDatesFromFlags(flags: ScheduleCreateFlags): SkipDate[] {
  const dates = (flags.skipDates ?? []).flatMap((text) => parseSkipDates(text, '--skip-dates'));
  for (const value of flags.holidays ?? []) {
    if (value.toLowerCase().endsWith('.ics') || existsSync(value)) {
      if (!existsSync(value))
        throw new Error(`--holidays ${value}: no such file (give an .ics file or a list of dates)`);
      dates.push(...parseIcs(readFileSync(value, 'utf8'), value));
    } else if (isRegionCode(value)) {
      dates.push(...regionalHolidays(value));
    } else {
      dates.push(...parseSkipDates(value, '--holidays'));
    }
  }
  return dates;
}

const DAY = 86_400_000;

/** `--enforce-off-hours <grace>` and `--off-hours-check <every>`: positive, a grace up to a day. */
function offHoursFromFlags(flags: ScheduleCreateFlags): PowerScheduleDefinition['offHours'] {
  if (!flags.enforceOffHours) {
    if (flags.offHoursCheck) throw new Error('--off-hours-check needs --enforce-off-hours <grace>');
    return undefined;
  }
  const graceMs = parseDuration(flags.enforceOffHours, '--enforce-off-hours');
  if (graceMs <= 0 || graceMs > DAY) {
    throw new Error(
      `--enforce-off-hours ${flags.enforceOffHours}: give a grace period from 1m to 24h, e.g. 30m`,
    );
  }
  if (!flags.offHoursCheck) return { graceMs };
  const checkEveryMs = parseDuration(flags.offHoursCheck, '--off-hours-check');
  if (checkEveryMs < 1000 || checkEveryMs > DAY) {
    throw new Error(`--off-hours-check ${flags.offHoursCheck}: give an interval from 1s to 24h, e.g. 5m`);
  }
  return { graceMs, checkEveryMs };
}

/**
 * `--shrink data.tier1.replicas=1` (repeatable): what a shrink schedule scales to at its stop slots,
 * typed by the cluster schema. A scale changes only replicas and instance types; enforced off-hours
 * stop clusters, which a shrink schedule does not.
 */
function shrinkFromFlags(flags: ScheduleCreateFlags): SpecChange[] | undefined {
  if (!flags.shrink || flags.shrink.length === 0) return undefined;
  if (flags.enforceOffHours) {
    throw new Error(
      '--shrink and --enforce-off-hours do not go together: off-hours stop clusters, a shrink schedule keeps them running smaller',
    );
  }
  const changes = flags.shrink.map((text) => {
    try {
      return parseTypedSpecChange(text);
    } catch (error) {
      throw new Error(`--shrink ${text}: ${(error as Error).message}`);
    }
  });
  const paths = changes.map((change) => change.path);
  const repeated = paths.find((path, index) => paths.indexOf(path) !== index);
  if (repeated) throw new Error(`--shrink names ${repeated} twice: give each field once`);
  return changes;
}
