import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRegionCode, regionalHolidays } from '../../src/schedules/regional-holidays';
import { describeSkipDate } from '../../src/schedules/skip-dates';
import { skipCalendars } from '../../src/schedules/schedule-spec';

describe('regional holidays (--holidays <country[-region]>)', () => {
  it("lists a region's public holidays by name, moving ones (Easter) per year", () => {
    const dates = regionalHolidays('DE-BY', { fromYear: 2027, years: 2 });
    const described = dates.map(describeSkipDate);
    assert.ok(described.includes('2027-03-26 Good Friday (DE-BY)'), described.join('\n'));
    assert.ok(described.includes('2028-04-14 Good Friday (DE-BY)'), described.join('\n'));
    // Epiphany and Corpus Christi are Bavarian, not national.
    assert.ok(described.some((text) => text.startsWith('2027-01-06 ')));
    assert.ok(
      !regionalHolidays('DE-HH', { fromYear: 2027, years: 1 }).some((d) => d.month === 1 && d.day === 6),
    );
    const calendars = skipCalendars(dates);
    assert.ok(
      calendars.some(
        (calendar) =>
          calendar.year === 2027 &&
          calendar.month === 'MARCH' &&
          JSON.stringify(calendar.dayOfMonth) === JSON.stringify([26, 29]),
      ),
    );
  });

  it('takes a country alone, and a subregion', () => {
    assert.ok(regionalHolidays('US', { fromYear: 2026, years: 1 }).some((d) => d.month === 7 && d.day === 4));
    assert.ok(
      regionalHolidays('GB-SCT', { fromYear: 2026, years: 1 }).some((d) => d.month === 11 && d.day === 30),
    );
  });

  it('names the level that did not match and the codes it knows', () => {
    assert.throws(() => regionalHolidays('ZZ'), /--holidays ZZ: "ZZ" is not a country .* ISO 3166/);
    assert.throws(
      () => regionalHolidays('DE-XX'),
      /--holidays DE-XX: "XX" is not a region of DE \(known: BB, BE, BW, BY,/,
    );
  });

  it('tells region codes from dates and files', () => {
    for (const code of ['DE', 'de-by', 'US-CA', 'GB-SCT']) assert.ok(isRegionCode(code), code);
    for (const other of ['12-24', '2026-12-24', 'holidays.ics', 'DE BY', ''])
      assert.ok(!isRegionCode(other), other);
  });
});
