import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { loadPrices, priceFileOf } from '../../schedules/prices';
import { computeSavings } from '../../schedules/savings';
import { formatSavingsCsv, formatSavingsTable } from '../../schedules/savings-output';
import { readSavingsEvents } from '../../schedules/savings-source';
import { parseDuration } from '../../shared/durations';
import { action, printJson } from '../output';
import { withTemporal } from '../runbook-client';

interface SavingsFlags {
  since: string;
  until?: string;
  format: string;
  prices?: string;
  config?: string;
}

const FORMATS = ['table', 'csv', 'json'];

/** `imply-runbooks report savings`: hours stopped and money saved, from the runbooks' own records. */
export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('Reports from the runbooks recorded in Temporal');
  report
    .command('savings')
    .description(
      'Per cluster: hours stopped by schedules and the money saved at hourly prices per instance type; ' +
        'keep-alive overrides charged to who set them (read from closed power and fleet runbooks in Temporal visibility)',
    )
    .option(
      '--since <when>',
      'start of the period: a duration back from now (30d, 12h) or a date (2026-11-01)',
      '30d',
    )
    .option('--until <when>', 'end of the period: a date or time (default now)')
    .option('--format <format>', 'table, csv or json', 'table')
    .option(
      '--prices <file>',
      'hourly prices per instance type (JSON like prices/default-prices.json) over the defaults',
    )
    .action(
      action(async (flags: SavingsFlags) => {
        if (!FORMATS.includes(flags.format)) {
          throw new Error(`--format "${flags.format}" is not a format: give table, csv or json`);
        }
        const nowMs = Date.now();
        const untilMs = flags.until ? pointInTime(flags.until, '--until', nowMs) : nowMs;
        const sinceMs = pointInTime(flags.since, '--since', nowMs);
        if (sinceMs >= untilMs)
          throw new Error(`--since ${flags.since} is not before --until: give an earlier start`);
        const prices = flags.prices
          ? loadPrices(flags.prices)
          : loadPrices(configuredPriceFile(flags.config), 'prices (configuration file)');
        const source = await withTemporal((client) => readSavingsEvents(client, sinceMs));
        const window = { since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString() };
        const result = computeSavings(source.events, prices, window);
        if (flags.format === 'json') return printJson({ ...result, runsRead: source.runsRead });
        process.stdout.write(
          flags.format === 'csv' ? formatSavingsCsv(result) : formatSavingsTable(result, source.runsRead),
        );
      }),
    );
}

/** The configuration's `prices` file, relative to the configuration file; undefined when it names none. */
export function configuredPriceFile(configPath: string | undefined): string | undefined {
  return priceFileOf(loadConfig({ path: configPath }));
}

/** A duration back from `referenceMs` (30d) or an ISO date or time. Pure. */
export function pointInTime(text: string, flag: string, referenceMs: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const ms = Date.parse(text.trim());
    if (Number.isNaN(ms))
      throw new Error(`${flag} "${text}" is not a date: write 2026-11-01 or 2026-11-01T08:00:00Z`);
    return ms;
  }
  try {
    return referenceMs - parseDuration(text, flag);
  } catch {
    throw new Error(
      `${flag} "${text}" is neither a duration back from now (30d, 12h) nor a date (2026-11-01)`,
    );
  }
}
