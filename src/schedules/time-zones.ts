/**
 * Wall-clock arithmetic in IANA time zones over `Intl` alone (no Node built-ins), so workflows can
 * use it too. Daylight saving is where schedules go wrong: these functions say, for a local date and
 * time, whether it exists once, never (spring forward) or twice (fall back).
 */

/** A local date and time as a clock on the wall shows it; `weekday` 0 is Sunday. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** How a local time exists on a date: once, not at all (skipped by spring forward), or twice (fall back). */
export type WallTimeKind = 'normal' | 'gap' | 'repeated';

export interface ResolvedWallTime {
  kind: WallTimeKind;
  /** The instant it runs: for a gap, shifted forward by the gap's length; when repeated, the earlier one. */
  instantMs: number;
  /** Every instant that shows this wall time: 0 (gap), 1 or 2 (repeated). */
  instants: number[];
}

/** A change of a zone's UTC offset, in minutes east of UTC before and after. */
export interface Transition {
  atMs: number;
  offsetBeforeMinutes: number;
  offsetAfterMinutes: number;
}

const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the runtime knows this IANA zone name. Pure. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time an instant shows in a zone. Pure. */
export function wallTimeAt(instantMs: number, timeZone: string): WallTime {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instantMs))) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** Minutes east of UTC that the zone's clocks show at an instant (Berlin in summer: 120). Pure. */
export function offsetMinutesAt(instantMs: number, timeZone: string): number {
  const wall = wallTimeAt(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/**
 * Where a local time on a date falls: the instants showing it, and the one a schedule should use
 * (RFC 5545 and the TC39 `compatible` rule: a skipped time moves forward by the gap, a repeated
 * time takes the earlier instant). Pure.
 */
export function resolveWallTime(
  date: LocalDate,
  hour: number,
  minute: number,
  timeZone: string,
): ResolvedWallTime {
  const localMs = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Offsets a day either side: transitions are months apart, so these are the offsets before and after.
  const before = offsetMinutesAt(localMs - DAY_MS, timeZone);
  const after = offsetMinutesAt(localMs + DAY_MS, timeZone);
  const instants = [...new Set([before, after])]
    .map((offset) => localMs - offset * 60_000)
    .filter((instant) => sameWallTime(wallTimeAt(instant, timeZone), date, hour, minute))
    .sort((left, right) => left - right);
  if (instants.length === 0) return { kind: 'gap', instantMs: localMs - before * 60_000, instants };
  return { kind: instants.length > 1 ? 'repeated' : 'normal', instantMs: instants[0] as number, instants };
}

function sameWallTime(wall: WallTime, date: LocalDate, hour: number, minute: number): boolean {
  return (
    wall.year === date.year &&
    wall.month === date.month &&
    wall.day === date.day &&
    wall.hour === hour &&
    wall.minute === minute
  );
}

/** Every change of the zone's offset between two instants, found to the second. Pure. */
export function transitionsBetween(fromMs: number, toMs: number, timeZone: string): Transition[] {
  const transitions: Transition[] = [];
  let previous = offsetMinutesAt(fromMs, timeZone);
  for (let start = fromMs; start < toMs; start += DAY_MS) {
    const end = Math.min(start + DAY_MS, toMs);
    const next = offsetMinutesAt(end, timeZone);
    if (next !== previous) {
      transitions.push({
        atMs: findChange(start, end, previous, timeZone),
        offsetBeforeMinutes: previous,
        offsetAfterMinutes: next,
      });
    }
    previous = next;
  }
  return transitions;
}

/** Bisects to the first second that shows the new offset. */
function findChange(lowMs: number, highMs: number, offsetBefore: number, timeZone: string): number {
  let low = lowMs;
  let high = highMs;
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetMinutesAt(middle, timeZone) === offsetBefore) low = middle;
    else high = middle;
  }
  return high;
}

/** `2026-03-29`: a local date as ISO text. Pure. */
export function formatLocalDate(date: LocalDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

/** `19:00` or `02:30:15`: a local time as text, with seconds only when they are not 0. Pure. */
export function formatClock(hour: number, minute: number, second = 0): string {
  return `${pad(hour)}:${pad(minute)}${second ? `:${pad(second)}` : ''}`;
}

/** `2026-10-25 02:30 (+01:00)`: an instant as people in the zone read it. Pure. */
export function formatLocal(instantMs: number, timeZone: string): string {
  const wall = wallTimeAt(instantMs, timeZone);
  const offset = offsetMinutesAt(instantMs, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${formatLocalDate(wall)} ${formatClock(wall.hour, wall.minute, wall.second)} (${zone})`;
}

/** The date one day after `date`. Pure. */
export function nextDate(date: LocalDate): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** Day of the week of a local date, 0 for Sunday. Pure. */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
