import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { configuredPriceFile, pointInTime } from '../../src/cli/commands/report';
import { loadPrices } from '../../src/schedules/prices';

describe('report savings options', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'report-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('reads --since as a duration back from now or as a date', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    assert.equal(pointInTime('30d', '--since', now), Date.parse('2026-10-28T12:00:00Z'));
    assert.equal(pointInTime('2026-11-01', '--since', now), Date.parse('2026-11-01T00:00:00Z'));
    assert.throws(
      () => pointInTime('last month', '--since', now),
      /--since "last month" is neither a duration back from now \(30d, 12h\) nor a date/,
    );
    assert.throws(() => pointInTime('2026-13-45', '--since', now), /--since "2026-13-45" is not a date/);
  });

  it("takes the configuration file's prices, relative to that file, over the defaults", () => {
    writeFileSync(
      path.join(directory, 'our-prices.json'),
      JSON.stringify({ currency: 'USD', hourly: { 't2.small': 0.03 } }),
    );
    const config = path.join(directory, 'imply-runbooks.config.yaml');
    writeFileSync(config, 'prices: our-prices.json\n');
    const file = configuredPriceFile(config);
    assert.equal(file, path.join(directory, 'our-prices.json'));
    const prices = loadPrices(file, 'prices (configuration file)');
    assert.equal(prices.hourly['t2.small'], 0.03);
    assert.equal(prices.hourly['m5.xlarge'], 0.192);
  });

  it('names the configuration file as the source of a bad price file', () => {
    writeFileSync(path.join(directory, 'bad.json'), '{"currency": "USD", "hourly": {"t2.small": "cheap"}}');
    assert.throws(
      () => loadPrices(path.join(directory, 'bad.json'), 'prices (configuration file)'),
      /prices \(configuration file\) .*bad\.json: hourly\.t2\.small: must be a price per hour/,
    );
  });
});
