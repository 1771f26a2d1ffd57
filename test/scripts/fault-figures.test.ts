import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cluster } from '../../src/cloud-manager/schemas/cluster';
import type { RequestLogEntry } from '../../src/emulator/server';
import {
  apiFaults,
  describeApiFaults,
  duplicateClusters,
  earlyRetries,
  formatFigures,
  repeatedChanges,
} from '../../scripts/fault-suite/figures';
import type { RunOutcome } from '../../scripts/fault-suite/runbooks';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function entry(
  offsetMs: number,
  status: number,
  caller?: string,
  extra: Partial<RequestLogEntry> = {},
): RequestLogEntry {
  return {
    at: new Date(T0 + offsetMs).toISOString(),
    method: 'GET',
    path: '/api/v1/clusters',
    query: {},
    status,
    mutating: false,
    committed: false,
    dropped: false,
    durationMs: 0,
    ...(caller ? { caller } : {}),
    ...extra,
  };
}

const cluster = (name: string, resourceVersion: number, uid = name): Cluster => ({
  metadata: { name, uid },
  spec: {},
  status: { state: 'DELETED', resourceVersion },
});
const outcome = (clusterName: string, completed = true): RunOutcome => ({
  workflowId: `lifecycle:${clusterName}`,
  clusterName,
  completed,
});

describe('fault suite figures', () => {
  it('counts a retry of the same call sent before the Retry-After as early, and one after it as fine', () => {
    const log = [
      entry(0, 429, 'lifecycle:a/1/1', { durationMs: 100 }),
      entry(500, 200, 'lifecycle:b/1/1'), // another runbook's call: not a retry
      entry(2_150, 200, 'lifecycle:a/1/2'), // 2 s after the answer: on time
      entry(3_000, 429, 'lifecycle:a/2/1'),
      entry(4_000, 200, 'lifecycle:a/2/2'), // 1 s after a 2 s Retry-After: early
      entry(5_000, 429, 'lifecycle:a/3/1'), // never retried: nothing to check
      entry(5_000, 429), // no caller: not attributable
    ];
    assert.deepEqual(earlyRetries(log, 2), { early: 1, checked: 2 });
  });

  it('counts 429s, 5xx, dropped answers and latency spikes as API faults', () => {
    const log = [
      entry(0, 429),
      entry(0, 503),
      entry(0, 500),
      entry(0, 202, undefined, { dropped: true, committed: true, mutating: true }),
      entry(0, 200, undefined, { durationMs: 2_004 }),
      entry(0, 200, undefined, { durationMs: 30 }),
      entry(0, 404),
    ];
    assert.equal(apiFaults(log, 2_000), 5);
    assert.equal(
      describeApiFaults(log, 2_000),
      '7 requests: 1 503s (14%), 1 429s (14%), 1 latency spikes, 1 of 1 committed changes answered by a dropped connection',
    );
  });

  it('counts clusters beyond one per runbook and versions beyond a PUT and a PATCH', () => {
    const clusters = [cluster('a', 2), cluster('a', 0, 'a-again'), cluster('b', 3), cluster('other', 9)];
    const outcomes = [outcome('a'), outcome('b'), outcome('c', false)];
    assert.equal(duplicateClusters(clusters, outcomes), 1);
    assert.equal(repeatedChanges(clusters, outcomes), 1, "b's change was applied twice");
  });

  it('prints a table with a total row and the secrets found', () => {
    const row = {
      name: 'case one',
      runs: 2,
      faults: 3,
      completed: 2,
      duplicates: 0,
      repeatedChanges: 0,
      earlyRetries: 0,
      retriesChecked: 4,
      durationMs: 12_000,
      problems: [],
    };
    const table = formatFigures([row, { ...row, name: 'case two' }], 0, 15_000);
    assert.match(table, /\| case one +\| 2 +\| 3 +\| 2\/2 +\| 0 +\| 0 +\| 0 of 4 +\| 12 s +\|/);
    assert.match(table, /\| total +\| 4 +\| 6 +\| 4\/4 +\| 0 +\| 0 +\| 0 of 8 +\| 15 s +\|/);
    assert.match(table, /secrets found \(histories and worker output\): 0/);
  });
});
