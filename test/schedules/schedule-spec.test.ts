import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildScheduleOptions,
  skipCalendars,
  type PowerScheduleDefinition,
} from '../../src/schedules/schedule-spec';
import type { ScheduledRunInput } from '../../src/schedules/scheduled-run';
import { parseIcs, parseSkipDates } from '../../src/schedules/skip-dates';
import { describeSlot, parseWhen } from '../../src/schedules/when';

describe('<when> rules', () => {
  it('reads weekday ranges, lists, daily and several rules', () => {
    assert.deepEqual(parseWhen('Mon-Fri 19:00'), [{ days: [1, 2, 3, 4, 5], hour: 19, minute: 0 }]);
    assert.deepEqual(parseWhen('Sat,Sun 10:30'), [{ days: [0, 6], hour: 10, minute: 30 }]);
    assert.deepEqual(parseWhen('daily 07:00'), [{ days: [0, 1, 2, 3, 4, 5, 6], hour: 7, minute: 0 }]);
    assert.deepEqual(parseWhen('Fri-Mon 7:05'), [{ days: [0, 1, 5, 6], hour: 7, minute: 5 }]);
    assert.deepEqual(parseWhen('weekdays 19:00; saturday 12:00, 18:00').length, 3);
    assert.equal(describeSlot(parseWhen('mon-fri 19:00')[0]!), 'Mon-Fri 19:00');
  });

  it('refuses what it cannot read, naming the flag and the accepted forms', () => {
    assert.throws(
      () => parseWhen('Mon-Fri 7pm', '--stop'),
      /--stop "Mon-Fri 7pm" is not a day-and-time rule: write days and a 24-hour time, e.g. "Mon-Fri 19:00"/,
    );
    assert.throws(() => parseWhen('Mon-Fry 19:00', '--start'), /--start: "fry" is not a day/);
    assert.throws(
      () => parseWhen('daily 24:00', '--stop'),
      /--stop: "24:00" is not a time of day: use 24-hour HH:MM/,
    );
    assert.throws(() => parseWhen(' ; ', '--stop'), /--stop is empty/);
  });
});

describe('skip dates and holidays', () => {
  it('reads dates, yearly dates and ranges', () => {
    assert.deepEqual(parseSkipDates('2026-12-24..2026-12-26, 01-01'), [
      { year: 2026, month: 12, day: 24 },
      { year: 2026, month: 12, day: 25 },
      { year: 2026, month: 12, day: 26 },
      { month: 1, day: 1 },
    ]);
    assert.deepEqual(parseSkipDates('12-31..01-01'), [
      { month: 12, day: 31 },
      { month: 1, day: 1 },
    ]);
  });

  it('refuses impossible dates and mixed ranges, naming the flag', () => {
    assert.throws(
      () => parseSkipDates('2026-02-30'),
      /--skip-dates: "2026-02-30" is not a day of the calendar: write dates as YYYY-MM-DD/,
    );
    assert.throws(() => parseSkipDates('24.12.2026', '--holidays'), /--holidays: "24.12.2026" is not a date/);
    assert.throws(() => parseSkipDates('2026-12-24..12-26'), /mixes a dated and a yearly date/);
  });

  it('reads all-day events of an iCalendar file, with folded lines, multi-day events and yearly rules', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'DTSTART;VALUE=DATE:20261224',
      'DTEND;VALUE=DATE:20261227',
      'SUMMARY:Christmas',
      ' break',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART;VALUE=DATE:20270101',
      'RRULE:FREQ=YEARLY',
      'SUMMARY:New Year',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    assert.deepEqual(parseIcs(ics), [
      { year: 2026, month: 12, day: 24, label: 'Christmasbreak' },
      { year: 2026, month: 12, day: 25, label: 'Christmasbreak' },
      { year: 2026, month: 12, day: 26, label: 'Christmasbreak' },
      { month: 1, day: 1, label: 'New Year' },
    ]);
  });

  it('refuses timed events and rules it cannot expand', () => {
    const wrap = (lines: string[]) =>
      ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', ...lines, 'END:VEVENT', 'END:VCALENDAR'].join('\n');
    assert.throws(
      () => parseIcs(wrap(['DTSTART:20261224T090000Z']), 'team.ics'),
      /--holidays team.ics line 3: "20261224T090000Z" is not an all-day date/,
    );
    assert.throws(
      () => parseIcs(wrap(['DTSTART;VALUE=DATE:20261126', 'RRULE:FREQ=YEARLY;BYDAY=4TH']), 'us.ics'),
      /only RRULE:FREQ=YEARLY on the event's own date is read/,
    );
    assert.throws(() => parseIcs('hello'), /not an iCalendar file/);
  });

  it('turns skip dates into whole-day skip calendars (seconds too: skip must match every field)', () => {
    assert.deepEqual(skipCalendars(parseSkipDates('2026-12-24..2026-12-26,01-01')), [
      {
        second: '*',
        minute: '*',
        hour: '*',
        dayOfMonth: [24, 25, 26],
        month: 'DECEMBER',
        year: 2026,
        comment: 'skip date',
      },
      { second: '*', minute: '*', hour: '*', dayOfMonth: [1], month: 'JANUARY', comment: 'skip date' },
    ]);
  });
});

describe('the Temporal Schedules of a power schedule', () => {
  const definition: PowerScheduleDefinition = {
    name: 'test-nightly',
    timeZone: 'Europe/Berlin',
    stop: { text: 'Mon-Fri 19:00; Sun 02:30', slots: parseWhen('Mon-Fri 19:00; Sun 02:30') },
    start: { text: 'Mon-Fri 07:00', slots: parseWhen('Mon-Fri 07:00') },
    selector: { tags: { env: 'test' } },
    selectText: 'env=test',
    skipDates: parseSkipDates('2026-12-24..2026-12-26'),
    catchupWindowMs: 3_600_000,
    concurrency: 5,
    createdBy: 'alice',
    daylightSavingYears: 2,
  };
  const now = Date.parse('2026-11-27T00:00:00Z');

  it('builds <name>-stop with calendars in local time, an extra run for the skipped hour, skip dates and catch-up', () => {
    const options = buildScheduleOptions(definition, 'stop', 'imply-runbooks', now);
    assert.equal(options.scheduleId, 'test-nightly-stop');
    assert.equal(options.spec.timezone, 'Europe/Berlin');
    assert.deepEqual(options.spec.calendars, [
      {
        second: 0,
        minute: 0,
        hour: 19,
        dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
        comment: 'Mon-Fri 19:00',
      },
      { second: 0, minute: 30, hour: 2, dayOfWeek: ['SUNDAY'], comment: 'Sun 02:30' },
      {
        second: 0,
        minute: 30,
        hour: 3,
        dayOfMonth: 28,
        month: 'MARCH',
        year: 2027,
        comment: 'daylight saving: 02:30 does not exist on 2027-03-28, runs at 03:30',
      },
      {
        second: 0,
        minute: 30,
        hour: 3,
        dayOfMonth: 26,
        month: 'MARCH',
        year: 2028,
        comment: 'daylight saving: 02:30 does not exist on 2028-03-26, runs at 03:30',
      },
    ]);
    assert.equal(options.spec.skip?.length, 1);
    assert.deepEqual(options.policies, { overlap: 'SKIP', catchupWindow: 3_600_000, pauseOnFailure: false });
    assert.equal(options.action.workflowType, 'scheduledFleetRun');
    const [input] = options.action.args as [ScheduledRunInput];
    assert.equal(input.action, 'stop');
    assert.equal(input.fleet.action, 'stop');
    assert.equal(input.fleet.scheduleName, 'test-nightly');
    assert.equal(input.fleet.concurrency, 5);
    assert.deepEqual(input.fleet.selector, { tags: { env: 'test' } });
    assert.equal(input.catchupWindowMs, 3_600_000);
  });

  it('builds <name>-start with its own action and no extra runs when no slot falls in a gap', () => {
    const options = buildScheduleOptions(definition, 'start', 'imply-runbooks', now);
    assert.equal(options.scheduleId, 'test-nightly-start');
    assert.equal(options.spec.calendars?.length, 1);
    assert.equal((options.action.args as [ScheduledRunInput])[0].fleet.action, 'start');
  });
});
