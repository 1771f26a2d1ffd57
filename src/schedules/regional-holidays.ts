import type HolidaysType from 'date-holidays';
import type { SkipDate } from './skip-dates';

/**
 * Public holidays of a country or region (`DE`, `DE-BY`, `US-CA`, `GB-SCT`), from the maintained
 * `date-holidays` library, as dated skip dates with their names. Holidays such as Easter move from
 * year to year, so they are listed for the years from `from` on (default: this year and the next
 * two); `schedule update --holidays` refreshes them.
 */

export const REGION_PATTERN = /^[A-Za-z]{2}(-[A-Za-z0-9]{1,5}){0,2}$/;

/** True when `value` looks like a country or region code rather than dates or a file. Pure. */
export function isRegionCode(value: string): boolean {
  return REGION_PATTERN.test(value.trim()) && !/^\d/.test(value.trim());
}

/** Loaded on first use: the library and its data take a noticeable part of the CLI's start-up. */
function holidaysLibrary(): typeof HolidaysType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('date-holidays') as { default?: typeof HolidaysType } & typeof HolidaysType;
  return loaded.default ?? loaded;
}

function known(entries: Record<string, string> | undefined): string {
  const codes = Object.keys(entries ?? {});
  return codes.length > 0 ? codes.join(', ') : 'none';
}

/** Checks the code level by level, naming the known codes of the level that did not match. */
function resolve(code: string, flag: string): [string, string?, string?] {
  const [country, state, region] = code.trim().toUpperCase().split('-') as [string, string?, string?];
  const catalogue = new (holidaysLibrary())();
  const countries = catalogue.getCountries('en');
  if (!countries[country]) {
    throw new Error(
      `${flag} ${code}: "${country}" is not a country the holiday calendar knows; use an ISO 3166 code such as DE, US, GB, FR`,
    );
  }
  if (state === undefined) return [country];
  const states = catalogue.getStates(country, 'en');
  if (!states?.[state]) {
    throw new Error(`${flag} ${code}: "${state}" is not a region of ${country} (known: ${known(states)})`);
  }
  if (region === undefined) return [country, state];
  const regions = catalogue.getRegions(country, state, 'en');
  if (!regions?.[region]) {
    throw new Error(
      `${flag} ${code}: "${region}" is not a subregion of ${country}-${state} (known: ${known(regions)})`,
    );
  }
  return [country, state, region];
}

/** The public holidays of `code` in `years` years from `fromYear`; throws naming `flag` for an unknown code. */
export function regionalHolidays(
  code: string,
  options: { fromYear?: number; years?: number; flag?: string } = {},
): SkipDate[] {
  const flag = options.flag ?? '--holidays';
  const parts = resolve(code, flag);
  const Holidays = holidaysLibrary();
  const calendar = new Holidays(...(parts as [string, string, string]), { types: ['public'] });
  const fromYear = options.fromYear ?? new Date().getUTCFullYear();
  const label = parts.join('-');
  const dates: SkipDate[] = [];
  for (let year = fromYear; year < fromYear + (options.years ?? 3); year++) {
    for (const holiday of calendar.getHolidays(year, 'en')) {
      const [y, m, d] = holiday.date.slice(0, 10).split('-').map(Number) as [number, number, number];
      dates.push({ year: y, month: m, day: d, label: `${holiday.name} (${label})` });
    }
  }
  return dates;
}
