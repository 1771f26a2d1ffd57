/**
 * `<when>` as people write it for `schedule create --stop/--start`: "Mon-Fri 19:00",
 * "Sat,Sun 10:30", "daily 07:00", several joined by ";". Pure: the workflow reads slots too.
 */

/** One local time on some days of the week (0 Sunday … 6 Saturday). */
export interface WhenSlot {
  days: number[];
  hour: number;
  minute: number;
}

export const WHEN_FORMS =
  'write days and a 24-hour time, e.g. "Mon-Fri 19:00", "Sat,Sun 10:30", "daily 07:00" or "weekdays 7:30"; ' +
  'join several with ";" ("Mon-Fri 19:00; Sat 12:00"); days are Mon Tue Wed Thu Fri Sat Sun, ranges like Mon-Fri, ' +
  'or daily, weekdays, weekends';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_WORDS: Record<string, number[]> = {
  daily: [0, 1, 2, 3, 4, 5, 6],
  everyday: [0, 1, 2, 3, 4, 5, 6],
  weekdays: [1, 2, 3, 4, 5],
  weekends: [0, 6],
};

/** Parses `<when>`; throws naming `flag` and the accepted forms. Pure. */
export function parseWhen(text: string, flag = '--stop'): WhenSlot[] {
  const parts = text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error(`${flag} is empty: ${WHEN_FORMS}`);
  const slots = parts.flatMap((part) => parsePart(part, flag));
  const seen = new Set<string>();
  return slots.filter((slot) => {
    const key = `${slot.days.join(',')} ${slot.hour}:${slot.minute}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function parsePart(part: string, flag: string): WhenSlot[] {
  const match = /^(?:(.+?)\s+)?(\d{1,2}:\d{2}(?:\s*,\s*\d{1,2}:\d{2})*)$/.exec(part);
  if (!match) throw new Error(`${flag} "${part}" is not a day-and-time rule: ${WHEN_FORMS}`);
  const days = match[1] === undefined ? DAY_WORDS.daily! : parseDays(match[1], flag);
  return (match[2] as string).split(',').map((clock) => ({ days, ...parseClock(clock.trim(), flag) }));
}

function parseClock(clock: string, flag: string): { hour: number; minute: number } {
  const [hourText, minuteText] = clock.split(':') as [string, string];
  const hour = Number(hourText);
  const minute = Number(minuteText);
  if (hour > 23 || minute > 59) {
    throw new Error(`${flag}: "${clock}" is not a time of day: use 24-hour HH:MM from 00:00 to 23:59`);
  }
  return { hour, minute };
}

function parseDays(text: string, flag: string): number[] {
  const days = new Set<number>();
  for (const item of text.toLowerCase().split(',')) {
    const word = item.trim();
    if (DAY_WORDS[word]) {
      DAY_WORDS[word].forEach((day) => days.add(day));
      continue;
    }
    const [from, to, extra] = word.split('-').map((name) => name.trim());
    if (extra !== undefined)
      throw new Error(`${flag}: "${item.trim()}" is not a day or range: ${WHEN_FORMS}`);
    const first = dayNumber(from as string, flag);
    const last = to === undefined ? first : dayNumber(to, flag);
    // A range may wrap past Sunday: Fri-Mon is Fri, Sat, Sun, Mon.
    for (let day = first; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === last) break;
    }
  }
  return [...days].sort((left, right) => left - right);
}

function dayNumber(name: string, flag: string): number {
  const short = DAY_NAMES.indexOf(name);
  const index = short >= 0 ? short : FULL_DAY_NAMES.indexOf(name);
  if (index < 0) throw new Error(`${flag}: "${name}" is not a day: ${WHEN_FORMS}`);
  return index;
}

/** "Mon-Fri 19:00": a slot as people write it. Pure. */
export function describeSlot(slot: WhenSlot): string {
  return `${describeDays(slot.days)} ${String(slot.hour).padStart(2, '0')}:${String(slot.minute).padStart(2, '0')}`;
}

function describeDays(days: number[]): string {
  if (days.length === 7) return 'daily';
  const names = days.map((day) => capitalise(DAY_NAMES[day] as string));
  const consecutive = days.every((day, index) => index === 0 || day === (days[index - 1] as number) + 1);
  if (consecutive && days.length > 2) return `${names[0]}-${names[names.length - 1]}`;
  return names.join(',');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
