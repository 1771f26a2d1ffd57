import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePrices, parsePriceTable, loadPrices, type PriceTable } from '../../src/schedules/prices';
import { computeSavings } from '../../src/schedules/savings';
import {
  eventFromPowerResult,
  keptAliveEventsFromFleet,
  type SavingsEvent,
} from '../../src/schedules/savings-events';
import { formatSavingsCsv, formatSavingsTable } from '../../src/schedules/savings-output';
import type { FleetSummary, NodeGroup, PowerResult } from '../../src/shared/power';

const PRICES: PriceTable = { currency: 'USD', hourly: { 'm5.xlarge': 0.2, 'r5.xlarge': 0.25 } };
const NODES_A: NodeGroup[] = [
  { group: 'master', instanceType: 'm5.xlarge', replicas: 1 },
  { group: 'data.tier1', instanceType: 'r5.xlarge', replicas: 2 },
];
const NODES_B: NodeGroup[] = [
  { group: 'master', instanceType: 'm5.xlarge', replicas: 1 },
  { group: 'query', instanceType: 'x9.huge', replicas: 1 },
];

function power(
  clusterId: string,
  action: 'stop' | 'start',
  outcome: PowerResult['outcome'],
  startedAt: string,
  endedAt: string,
  overrides: Partial<PowerResult> = {},
): PowerResult {
  return {
    clusterId,
    clusterName: `cluster-${clusterId}`,
    action,
    outcome,
    startedAt,
    endedAt,
    finalState: action === 'stop' ? 'STOPPED' : 'RUNNING',
    nodes: clusterId === 'b' ? NODES_B : NODES_A,
    source: 'schedule',
    scheduleName: 'nightly',
    requester: 'schedule nightly',
    ...overrides,
  };
}

function keptAliveFleet(startedAt: string, setBy: string): FleetSummary {
  return {
    action: 'stop',
    scheduleName: 'nightly',
    startedAt,
    endedAt: startedAt,
    selected: 2,
    done: [],
    skipped: [
      {
        cluster: 'cluster-a',
        reason: `kept alive by ${setBy} until 2026-11-05T09:00:00Z: demo for the customer`,
      },
      { cluster: 'cluster-c', reason: 'opted out (tag imply-runbooks/schedule=off)' },
    ],
    failed: [],
    notStarted: [],
    results: [],
  };
}

/** Four nights of cluster A, a person's stop of B from before the window, a failed stop of C. */
function knownHistory(): SavingsEvent[] {
  const results = [
    power('a', 'stop', 'done', '2026-11-02T17:55:00Z', '2026-11-02T18:00:00Z'),
    power('a', 'start', 'done', '2026-11-03T06:00:00Z', '2026-11-03T06:05:00Z'),
    power('a', 'stop', 'done', '2026-11-03T17:55:00Z', '2026-11-03T18:00:00Z'),
    power('a', 'stop', 'skipped', '2026-11-03T20:00:00Z', '2026-11-03T20:00:01Z', {
      reason: 'already STOPPED',
    }),
    power('a', 'start', 'done', '2026-11-04T06:00:00Z', '2026-11-04T06:05:00Z'),
    power('a', 'start', 'skipped', '2026-11-05T06:00:00Z', '2026-11-05T06:00:01Z', {
      reason: 'already RUNNING',
    }),
    power('a', 'stop', 'done', '2026-11-05T17:55:00Z', '2026-11-05T18:00:00Z'),
    power('b', 'stop', 'done', '2026-10-31T23:55:00Z', '2026-11-01T00:00:00Z', {
      source: 'person',
      requester: 'carol',
    }),
    power('b', 'start', 'done', '2026-11-03T00:00:00Z', '2026-11-03T00:05:00Z', { source: 'person' }),
    power('c', 'stop', 'failed', '2026-11-02T17:55:00Z', '2026-11-02T18:30:00Z'),
  ];
  return [
    ...results.map(eventFromPowerResult),
    ...keptAliveEventsFromFleet(keptAliveFleet('2026-11-04T18:00:00Z', 'bob')),
  ];
}

const WINDOW = { since: '2026-11-02T00:00:00Z', until: '2026-11-06T00:00:00Z' };

describe('savings report', () => {
  it('counts hours stopped by schedules from each done stop to the next start, priced per instance type', () => {
    const report = computeSavings(knownHistory(), PRICES, WINDOW);
    const a = report.clusters.find((row) => row.clusterName === 'cluster-a');
    // 18:00 → 06:00 twice (24 h), then Thursday 18:00 → the end of the window (6 h): 30 h at 0.70/h.
    assert.deepEqual(a, {
      clusterId: 'a',
      clusterName: 'cluster-a',
      hourlyPrice: 0.7,
      hoursStoppedBySchedule: 30,
      savedBySchedule: 21,
      hoursStoppedByPeople: 0,
      savedByPeople: 0,
      keptAliveHours: 12,
      keptAliveCost: 8.4,
    });
  });

  it("charges a keep-alive's hours (skipped stop to the next start) to who set it", () => {
    const report = computeSavings(knownHistory(), PRICES, WINDOW);
    assert.deepEqual(report.keepAlives, [
      { setBy: 'bob', clusterName: 'cluster-a', overrides: 1, hours: 12, cost: 8.4 },
    ]);
    assert.deepEqual(report.chargedTo, [{ setBy: 'bob', hours: 12, cost: 8.4 }]);
  });

  it("clips a person's stop that began before --since and names instance types without a price", () => {
    const report = computeSavings(knownHistory(), PRICES, WINDOW);
    const b = report.clusters.find((row) => row.clusterName === 'cluster-b');
    assert.equal(b?.hoursStoppedByPeople, 24);
    assert.equal(b?.savedByPeople, 4.8);
    assert.equal(b?.hoursStoppedBySchedule, 0);
    assert.deepEqual(report.unpricedInstanceTypes, ['x9.huge']);
    assert.equal(
      report.clusters.some((row) => row.clusterName === 'cluster-c'),
      false,
    );
    assert.deepEqual(report.totals, {
      hoursStoppedBySchedule: 30,
      savedBySchedule: 21,
      hoursStoppedByPeople: 24,
      savedByPeople: 4.8,
      keptAliveHours: 12,
      keptAliveCost: 8.4,
    });
  });

  it('reports nothing for a window before any stop', () => {
    const report = computeSavings(knownHistory(), PRICES, {
      since: '2026-10-01T00:00:00Z',
      until: '2026-10-02T00:00:00Z',
    });
    assert.deepEqual(report.clusters, []);
    assert.equal(report.totals.savedBySchedule, 0);
  });

  it('prints a table and CSV with the same figures', () => {
    const report = computeSavings(knownHistory(), PRICES, WINDOW);
    const table = formatSavingsTable(report, 11);
    assert.match(table, /read 11 closed runbooks from Temporal visibility/);
    assert.match(table, /cluster-a\s+0\.70\s+30\.0\s+21\.00\s+0\.0\s+0\.00\s+12\.0\s+8\.40/);
    assert.match(table, /bob\s+cluster-a\s+1\s+12\.0\s+8\.40/);
    assert.match(table, /No price for x9\.huge/);
    const csv = formatSavingsCsv(report).trim().split('\n');
    assert.equal(
      csv[0],
      'kind,cluster,cluster_id,hourly_price,hours_stopped_by_schedule,saved_by_schedule,hours_stopped_by_people,saved_by_people,kept_alive_hours,kept_alive_cost,charged_to,currency',
    );
    assert.ok(csv.includes('cluster,cluster-a,a,0.7,30,21,0,0,12,8.4,,USD'));
    assert.ok(csv.includes('keep-alive,cluster-a,,,,,,,12,8.4,bob,USD'));
  });
});

describe('price tables', () => {
  it('ships a documented default table in USD', () => {
    const prices = loadPrices();
    assert.equal(prices.currency, 'USD');
    assert.equal(prices.hourly['m5.xlarge'], 0.192);
    assert.match(prices.description ?? '', /on-demand/);
  });

  it('lays an override over the defaults, or replaces them when its currency differs', () => {
    const base = loadPrices();
    assert.equal(
      mergePrices(base, { currency: 'USD', hourly: { 'm5.xlarge': 0.1 } }).hourly['m5.xlarge'],
      0.1,
    );
    assert.equal(
      mergePrices(base, { currency: 'USD', hourly: { 'm5.xlarge': 0.1 } }).hourly['r5.xlarge'],
      0.252,
    );
    assert.deepEqual(mergePrices(base, { currency: 'EUR', hourly: { 'm5.xlarge': 0.18 } }).hourly, {
      'm5.xlarge': 0.18,
    });
  });

  it('refuses a bad table, naming the key and the expected shape', () => {
    assert.throws(
      () => parsePriceTable({ currency: 'usd', hourly: { 'm5.xlarge': -1 } }, '--prices p.json'),
      /--prices p.json: currency: must be a three-letter currency code such as USD or EUR; hourly.m5.xlarge: must not be negative\. Write \{"currency": "USD"/,
    );
  });
});
