import {
  formatClock,
  formatLocalDate,
  nextDate,
  resolveWallTime,
  transitionsBetween,
  wallTimeAt,
  weekdayOf,
  type LocalDate,
} from './time-zones';
import type { WhenSlot } from './when';

/**
 * Which local slot of a schedule a run stands for, and which extra runs daylight saving needs.
 * Pure and free of Node built-ins: the scheduled-fleet workflow claims its slot with this.
 */

/**
 * `scheduled`: a slot of the schedule at its local time (on a fall-back day both instants of a
 * repeated time map to the same slot); `dst-gap`: the extra run that stands for a slot the spring
 * forward skipped; `manual`: anything else, such as `schedule trigger`.
 */
export type SlotKind = 'scheduled' | 'dst-gap' | 'manual';

export interface SlotClaim {
  kind: SlotKind;
  localDate: string;
  /** The slot's local time (`02:30`), or the exact time of a manual run (`14:03:27`). */
  localTime: string;
  /** `2026-10-25T02:30`: one run per schedule and key, whatever the server fires. */
  key: string;
}

/** An extra run for a slot that does not exist on a spring-forward day: at the shifted local time. */
export interface GapRun {
  date: LocalDate;
  slot: WhenSlot;
  /** The local time it runs at (02:30 skipped by a one-hour gap runs at 03:30). */
  runsAt: { hour: number; minute: number };
  instantMs: number;
}

/** The slot a run started for `scheduledAtMs` stands for. Pure. */
export function slotOfRun(scheduledAtMs: number, timeZone: string, slots: readonly WhenSlot[]): SlotClaim {
  const wall = wallTimeAt(scheduledAtMs, timeZone);
  const localDate = formatLocalDate(wall);
  const claim = (kind: SlotKind, localTime: string): SlotClaim => ({
    kind,
    localDate,
    localTime,
    key: `${localDate}T${localTime}`,
  });
  const onThatDay = slots.filter((slot) => slot.days.includes(wall.weekday));
  if (wall.second === 0 && onThatDay.some((slot) => slot.hour === wall.hour && slot.minute === wall.minute)) {
    return claim('scheduled', formatClock(wall.hour, wall.minute));
  }
  const wholeSecond = Math.floor(scheduledAtMs / 1000) * 1000;
  for (const slot of onThatDay) {
    const resolved = resolveWallTime(wall, slot.hour, slot.minute, timeZone);
    if (resolved.kind === 'gap' && resolved.instantMs === wholeSecond) {
      return claim('dst-gap', formatClock(slot.hour, slot.minute));
    }
  }
  return claim('manual', formatClock(wall.hour, wall.minute, wall.second));
}

/**
 * Slots that fall in a spring-forward gap between two instants, with where each runs instead: the
 * schedule adds one calendar entry for each, because the server would skip them. Pure.
 */
export function gapRuns(
  slots: readonly WhenSlot[],
  timeZone: string,
  fromMs: number,
  toMs: number,
): GapRun[] {
  const runs: GapRun[] = [];
  for (const transition of transitionsBetween(fromMs, toMs, timeZone)) {
    if (transition.offsetAfterMinutes <= transition.offsetBeforeMinutes) continue;
    for (const date of gapDates(transition.atMs, timeZone)) {
      for (const slot of slots) {
        if (!slot.days.includes(weekdayOf(date))) continue;
        const resolved = resolveWallTime(date, slot.hour, slot.minute, timeZone);
        if (resolved.kind !== 'gap') continue;
        const shifted = wallTimeAt(resolved.instantMs, timeZone);
        runs.push({
          date,
          slot,
          runsAt: { hour: shifted.hour, minute: shifted.minute },
          instantMs: resolved.instantMs,
        });
      }
    }
  }
  return runs;
}

/** The local dates a gap touches: usually one; two when it spans midnight. */
function gapDates(atMs: number, timeZone: string): LocalDate[] {
  const before = wallTimeAt(atMs - 1000, timeZone);
  const after = wallTimeAt(atMs, timeZone);
  const dates = [before, after].map(({ year, month, day }) => ({ year, month, day }));
  return formatLocalDate(dates[0] as LocalDate) === formatLocalDate(dates[1] as LocalDate)
    ? [dates[0] as LocalDate]
    : dates;
}

/** The first instant after `afterMs` at which one of `slots` falls in the zone (within 8 days). Pure. */
export function nextSlotInstant(
  slots: readonly WhenSlot[],
  afterMs: number,
  timeZone: string,
): number | undefined {
  let date: LocalDate = wallTimeAt(afterMs, timeZone);
  let best: number | undefined;
  for (let day = 0; day < 8 && best === undefined; day++, date = nextDate(date)) {
    for (const slot of slots) {
      if (!slot.days.includes(weekdayOf(date))) continue;
      const { instantMs } = resolveWallTime(date, slot.hour, slot.minute, timeZone);
      if (instantMs > afterMs && (best === undefined || instantMs < best)) best = instantMs;
    }
  }
  return best;
}
