import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Hourly prices per instance type for the savings report and the monthly cost of change plans: the
 * documented default table (`prices/default-prices.json`), with entries from `--prices <file>` or
 * the configuration's `prices` on top.
 */

export const priceTableSchema = z.strictObject({
  currency: z
    .string({ error: 'must be a currency code such as USD' })
    .regex(/^[A-Z]{3}$/, { error: 'must be a three-letter currency code such as USD or EUR' }),
  description: z.string().optional(),
  /** The date the prices were read (`2026-11-27`), so a plan can say "prices as of …". */
  asOf: z.iso.date({ error: 'must be a date such as 2026-11-27' }).optional(),
  hourly: z.record(
    z.string().min(1, { error: 'instance types must not be empty' }),
    z
      .number({ error: 'must be a price per hour, such as 0.192' })
      .nonnegative({ error: 'must not be negative' }),
    { error: 'must map instance types to prices per hour, e.g. {"m5.xlarge": 0.192}' },
  ),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

export const DEFAULT_PRICES_FILE = path.resolve(__dirname, '../../prices/default-prices.json');

/** Checks a price table; throws naming the source and each bad key. Pure. */
export function parsePriceTable(value: unknown, source: string): PriceTable {
  const result = priceTableSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
  );
  throw new Error(
    `${source}: ${problems.join('; ')}. ` +
      'Write {"currency": "USD", "hourly": {"m5.xlarge": 0.192, ...}} (see prices/default-prices.json)',
  );
}

/** Reads a price file; throws naming `flag` when it is missing or not a price table. Reads the file system. */
export function readPriceFile(file: string, flag = '--prices'): PriceTable {
  if (!existsSync(file)) throw new Error(`${flag} ${file}: no such file`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${flag} ${file}: not JSON (${(error as Error).message})`);
  }
  return parsePriceTable(value, `${flag} ${file}`);
}

/** The default table with an override on top: its entries win, and a different currency replaces the table. Pure. */
export function mergePrices(base: PriceTable, override: PriceTable | undefined): PriceTable {
  if (!override) return base;
  if (override.currency !== base.currency) return override;
  const merged: PriceTable = { ...base, ...override, hourly: { ...base.hourly, ...override.hourly } };
  // Mixed with an override that has no date of its own, the table's date is unknown, not the default's.
  if (override.asOf === undefined) delete merged.asOf;
  return merged;
}

/** The default table, then an override file if given (`label` names where it came from in errors). Reads the file system. */
export function loadPrices(overrideFile?: string, label = '--prices'): PriceTable {
  const base = readPriceFile(DEFAULT_PRICES_FILE, 'default prices');
  return mergePrices(base, overrideFile ? readPriceFile(overrideFile, label) : undefined);
}

/** The configuration's `prices` file, resolved against the configuration file's folder; undefined when none. Pure. */
export function priceFileOf(config: { prices?: string; source?: string }): string | undefined {
  if (!config.prices || !config.source) return undefined;
  return path.resolve(path.dirname(config.source), config.prices);
}

/** The table of the savings report and of plans' costs: the default one with the configuration's `prices` on top. Reads the file system. */
export function loadConfiguredPrices(config: { prices?: string; source?: string }): PriceTable {
  return loadPrices(priceFileOf(config), 'prices (configuration file)');
}
