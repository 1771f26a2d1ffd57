/**
 * Dates a schedule does nothing on: `--skip-dates 2026-12-24,2026-12-25`, every year with `12-24`,
 * ranges `2026-12-24..2026-12-26`, or the all-day events of an iCalendar (.ics) file of holidays.
 */

/** A local date to skip; without `year` it recurs every year. */
export interface SkipDate {
  year?: number;
  month: number;
  day: number;
  /** Where it came from: the holiday's SUMMARY, or the text given. */
  label?: string;
}

export const SKIP_DATE_FORMS =
  'write dates as YYYY-MM-DD (one year) or MM-DD (every year), ranges as 2026-12-24..2026-12-26, separated by commas';

const DATE_PATTERN = /^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$/;

/** Parses a comma list of dates and ranges; throws naming `flag` and the accepted forms. Pure. */
export function parseSkipDates(text: string, flag = '--skip-dates'): SkipDate[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`${flag} is empty: ${SKIP_DATE_FORMS}`);
  return items.flatMap((item) => {
    const [from, to, extra] = item.split('..');
    if (extra !== undefined) throw new Error(`${flag}: "${item}" is not a date or range: ${SKIP_DATE_FORMS}`);
    const first = parseDate(from as string, flag);
    if (to === undefined) return [first];
    const last = parseDate(to, flag);
    if ((first.year === undefined) !== (last.year === undefined)) {
      throw new Error(`${flag}: "${item}" mixes a dated and a yearly date: write both ends the same way`);
    }
    return expandRange(first, last, item, flag);
  });
}

function parseDate(text: string, flag: string): SkipDate {
  const match = DATE_PATTERN.exec(text.trim());
  if (!match) throw new Error(`${flag}: "${text}" is not a date: ${SKIP_DATE_FORMS}`);
  const year = match[1] === undefined ? undefined : Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // 2024 is a leap year: a yearly 02-29 is allowed (it applies in leap years only).
  const check = new Date(Date.UTC(year ?? 2024, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new Error(`${flag}: "${text}" is not a day of the calendar: ${SKIP_DATE_FORMS}`);
  }
  return year === undefined ? { month, day } : { year, month, day };
}

function expandRange(first: SkipDate, last: SkipDate, item: string, flag: string): SkipDate[] {
  const yearly = first.year === undefined;
  const start = Date.UTC(first.year ?? 2024, first.month - 1, first.day);
  let end = Date.UTC(last.year ?? 2024, last.month - 1, last.day);
  // A yearly range may wrap the new year: 12-30..01-02.
  if (yearly && end < start) end = Date.UTC(2025, last.month - 1, last.day);
  if (end < start) throw new Error(`${flag}: "${item}" ends before it starts`);
  if (end - start > 366 * 86_400_000) throw new Error(`${flag}: "${item}" is longer than a year`);
  const dates: SkipDate[] = [];
  for (let time = start; time <= end; time += 86_400_000) {
    const date = new Date(time);
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    dates.push(yearly ? { month, day } : { year: date.getUTCFullYear(), month, day });
  }
  return dates;
}

/**
 * Reads the all-day events of an iCalendar file (`DTSTART;VALUE=DATE:20261224`, an optional
 * exclusive `DTEND;VALUE=DATE`, `RRULE:FREQ=YEARLY` for yearly ones). Timed events are refused:
 * a holiday is a whole day. Pure; `file` only names the source in errors.
 */
export function parseIcs(text: string, file = 'holidays.ics'): SkipDate[] {
  const lines = unfold(text);
  if (!lines.some((line) => line.toUpperCase() === 'BEGIN:VCALENDAR')) {
    throw new Error(`--holidays ${file}: not an iCalendar file (no BEGIN:VCALENDAR)`);
  }
  const dates: SkipDate[] = [];
  let event: Record<string, { params: string; value: string; line: number }> | undefined;
  lines.forEach((line, index) => {
    const upper = line.toUpperCase();
    if (upper === 'BEGIN:VEVENT') event = {};
    else if (upper === 'END:VEVENT' && event) {
      dates.push(...eventDates(event, file));
      event = undefined;
    } else if (event) {
      const match = /^([A-Za-z-]+)((?:;[^:]*)?):(.*)$/.exec(line);
      if (match)
        event[(match[1] as string).toUpperCase()] = {
          params: (match[2] as string).toUpperCase(),
          value: match[3] as string,
          line: index + 1,
        };
    }
  });
  if (dates.length === 0)
    throw new Error(`--holidays ${file}: no all-day events (VEVENT with DTSTART;VALUE=DATE:YYYYMMDD) found`);
  return dates;
}

/** Joins folded lines (RFC 5545: a line starting with a space or tab continues the previous one). */
function unfold(text: string): string[] {
  return text
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .map((line) => line.trimEnd());
}

function eventDates(
  event: Record<string, { params: string; value: string; line: number }>,
  file: string,
): SkipDate[] {
  const start = event.DTSTART;
  if (!start) throw new Error(`--holidays ${file}: an event has no DTSTART`);
  const label = event.SUMMARY?.value.replace(/\\([,;\\])/g, '$1');
  const first = icsDate(start, file);
  const end = event.DTEND ? icsDate(event.DTEND, file) : undefined;
  const yearly = event.RRULE !== undefined && isPlainYearly(event.RRULE.value);
  if (event.RRULE && !yearly) {
    throw new Error(
      `--holidays ${file} line ${event.RRULE.line}: only RRULE:FREQ=YEARLY on the event's own date is read, ` +
        `not "${event.RRULE.value}": list such holidays as dated events`,
    );
  }
  const days = end === undefined ? 1 : Math.max(1, Math.round((end - first) / 86_400_000));
  const dates: SkipDate[] = [];
  for (let offset = 0; offset < days; offset++) {
    const date = new Date(first + offset * 86_400_000);
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    dates.push(yearly ? { month, day, label } : { year: date.getUTCFullYear(), month, day, label });
  }
  return dates;
}

/** FREQ=YEARLY, optionally with INTERVAL=1, BYMONTH and BYMONTHDAY (which repeat DTSTART's date). */
function isPlainYearly(rule: string): boolean {
  const parts = rule.toUpperCase().split(';');
  return (
    parts[0] === 'FREQ=YEARLY' &&
    parts.slice(1).every((part) => part === 'INTERVAL=1' || /^BYMONTH(DAY)?=\d+$/.test(part))
  );
}

function icsDate(property: { params: string; value: string; line: number }, file: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(property.value.trim());
  if (!match || (property.params !== '' && !property.params.includes('VALUE=DATE'))) {
    throw new Error(
      `--holidays ${file} line ${property.line}: "${property.value}" is not an all-day date; ` +
        'only all-day events (DTSTART;VALUE=DATE:YYYYMMDD) are read',
    );
  }
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** `2026-12-24`, `every 12-24`, or with its name: `2026-12-25 Christmas Day (US-CA)`. Pure. */
export function describeSkipDate(date: SkipDate): string {
  const monthDay = `${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
  const when = date.year === undefined ? `every ${monthDay}` : `${date.year}-${monthDay}`;
  return date.label ? `${when} ${date.label}` : when;
}
