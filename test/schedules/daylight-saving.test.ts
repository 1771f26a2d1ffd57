import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { gapRuns, slotOfRun } from '../../src/schedules/slots';
import {
  formatLocal,
  resolveWallTime,
  transitionsBetween,
  type LocalDate,
} from '../../src/schedules/time-zones';
import { parseWhen, type WhenSlot } from '../../src/schedules/when';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const utc = (text: string) => Date.parse(text);

describe('wall times across daylight saving', () => {
  it('finds the 2026 transitions of Berlin and New York to the second', () => {
    const berlin = transitionsBetween(utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'), BERLIN);
    assert.deepEqual(
      berlin.map((change) => [
        new Date(change.atMs).toISOString(),
        change.offsetBeforeMinutes,
        change.offsetAfterMinutes,
      ]),
      [
        ['2026-03-29T01:00:00.000Z', 60, 120],
        ['2026-10-25T01:00:00.000Z', 120, 60],
      ],
    );
    const newYork = transitionsBetween(utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'), NEW_YORK);
    assert.deepEqual(
      newYork.map((change) => new Date(change.atMs).toISOString()),
      ['2026-03-08T07:00:00.000Z', '2026-11-01T06:00:00.000Z'],
    );
  });

  it('says 02:30 does not exist in Berlin on 2026-03-29 and runs it at 03:30 summer time', () => {
    const resolved = resolveWallTime({ year: 2026, month: 3, day: 29 }, 2, 30, BERLIN);
    assert.equal(resolved.kind, 'gap');
    assert.deepEqual(resolved.instants, []);
    assert.equal(new Date(resolved.instantMs).toISOString(), '2026-03-29T01:30:00.000Z');
    assert.equal(formatLocal(resolved.instantMs, BERLIN), '2026-03-29 03:30 (+02:00)');
    assert.equal(resolveWallTime({ year: 2026, month: 3, day: 29 }, 3, 0, BERLIN).kind, 'normal');
    assert.equal(resolveWallTime({ year: 2026, month: 3, day: 29 }, 1, 59, BERLIN).kind, 'normal');
  });

  it('says 02:30 happens twice in Berlin on 2026-10-25 and picks the earlier', () => {
    const resolved = resolveWallTime({ year: 2026, month: 10, day: 25 }, 2, 30, BERLIN);
    assert.equal(resolved.kind, 'repeated');
    assert.deepEqual(
      resolved.instants.map((instant) => new Date(instant).toISOString()),
      ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
    );
    assert.equal(resolved.instantMs, utc('2026-10-25T00:30:00Z'));
  });

  it('handles New York: 02:30 skipped on 2026-03-08, 01:30 repeated on 2026-11-01', () => {
    const spring = resolveWallTime({ year: 2026, month: 3, day: 8 }, 2, 30, NEW_YORK);
    assert.equal(spring.kind, 'gap');
    assert.equal(formatLocal(spring.instantMs, NEW_YORK), '2026-03-08 03:30 (-04:00)');
    const fall = resolveWallTime({ year: 2026, month: 11, day: 1 }, 1, 30, NEW_YORK);
    assert.deepEqual(
      fall.instants.map((instant) => new Date(instant).toISOString()),
      ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z'],
    );
  });

  it('handles a half-hour change (Lord Howe Island): 02:15 skipped runs at 02:45', () => {
    const resolved = resolveWallTime({ year: 2026, month: 10, day: 4 }, 2, 15, 'Australia/Lord_Howe');
    assert.equal(resolved.kind, 'gap');
    assert.equal(formatLocal(resolved.instantMs, 'Australia/Lord_Howe'), '2026-10-04 02:45 (+11:00)');
  });
});

describe('extra runs for slots a spring forward skips', () => {
  const year2026 = [utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z')] as const;

  it('adds one run at 03:30 on 2026-03-29 for a daily 02:30 stop in Berlin, and none in autumn', () => {
    const runs = gapRuns(parseWhen('daily 02:30'), BERLIN, ...year2026);
    assert.deepEqual(
      runs.map((run) => [run.date, run.runsAt, new Date(run.instantMs).toISOString()]),
      [[{ year: 2026, month: 3, day: 29 }, { hour: 3, minute: 30 }, '2026-03-29T01:30:00.000Z']],
    );
  });

  it('adds nothing for a weekday slot when the change falls on a Sunday, or for a slot outside the gap', () => {
    assert.deepEqual(gapRuns(parseWhen('Mon-Fri 02:30'), BERLIN, ...year2026), []);
    assert.deepEqual(gapRuns(parseWhen('daily 19:00; daily 07:00'), BERLIN, ...year2026), []);
  });

  it('adds the New York run on its own transition day', () => {
    const runs = gapRuns(parseWhen('Sun 02:00'), NEW_YORK, ...year2026);
    assert.deepEqual(
      runs.map((run) => formatLocal(run.instantMs, NEW_YORK)),
      ['2026-03-08 03:00 (-04:00)'],
    );
  });
});

describe('one run per local slot, whatever the server fires', () => {
  it('maps both instants of the repeated 02:30 in Berlin to one slot', () => {
    const slots = parseWhen('daily 02:30');
    const first = slotOfRun(utc('2026-10-25T00:30:00Z'), BERLIN, slots);
    const second = slotOfRun(utc('2026-10-25T01:30:00Z'), BERLIN, slots);
    assert.deepEqual(first, {
      kind: 'scheduled',
      localDate: '2026-10-25',
      localTime: '02:30',
      key: '2026-10-25T02:30',
    });
    assert.deepEqual(second, first);
  });

  it('maps the extra spring-forward run back to the slot it stands for', () => {
    const claim = slotOfRun(utc('2026-03-29T01:30:00Z'), BERLIN, parseWhen('daily 02:30'));
    assert.deepEqual(claim, {
      kind: 'dst-gap',
      localDate: '2026-03-29',
      localTime: '02:30',
      key: '2026-03-29T02:30',
    });
  });

  it('gives a manual run its own key to the second', () => {
    const claim = slotOfRun(utc('2026-11-27T13:03:27Z'), BERLIN, parseWhen('Mon-Fri 19:00'));
    assert.deepEqual(claim, {
      kind: 'manual',
      localDate: '2026-11-27',
      localTime: '14:03:27',
      key: '2026-11-27T14:03:27',
    });
  });

  it('runs a slot exactly once on the days around each 2026-2027 change, even if the server fired every instant showing its time', () => {
    const zones = [BERLIN, NEW_YORK, 'Australia/Lord_Howe', 'America/Santiago'];
    const transitionDays = zones.flatMap((zone) =>
      transitionsBetween(utc('2026-01-01T00:00:00Z'), utc('2028-01-01T00:00:00Z'), zone).map((change) => ({
        zone,
        change,
      })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...transitionDays),
        fc.integer({ min: -1, max: 1 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        ({ zone, change }, dayOffset, hour, minute) => {
          const slot: WhenSlot = { days: [0, 1, 2, 3, 4, 5, 6], hour, minute };
          const date = localDateOf(change.atMs + dayOffset * 86_400_000, zone);
          const resolved = resolveWallTime(date, hour, minute, zone);
          const extra = gapRuns([slot], zone, change.atMs - 3 * 86_400_000, change.atMs + 3 * 86_400_000)
            .filter((run) => run.date.day === date.day && run.date.month === date.month)
            .map((run) => run.instantMs);
          const fires = [...resolved.instants, ...extra];
          const keys = new Set(fires.map((instant) => slotOfRun(instant, zone, [slot]).key));
          const expected = `${date.year}-${pad(date.month)}-${pad(date.day)}T${pad(hour)}:${pad(minute)}`;
          assert.deepEqual(
            [...keys],
            [expected],
            `${zone} ${expected}: fires ${fires.map((f) => new Date(f).toISOString())}`,
          );
        },
      ),
      { numRuns: 400 },
    );
  });
});

function localDateOf(instantMs: number, zone: string): LocalDate {
  const [date] = formatLocal(instantMs, zone).split(' ');
  const [year, month, day] = (date as string).split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
