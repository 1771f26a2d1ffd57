import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultCounters } from '../../src/observability/runbook-result-metrics';

const SUMMARY = {
  action: 'stop',
  startedAt: '2030-01-01T00:00:00.000Z',
  endedAt: '2030-01-01T00:05:00.000Z',
  selected: 6,
  done: ['a', 'b', 'c'],
  skipped: [{ cluster: 'd', reason: 'already STOPPED' }],
  failed: [{ cluster: 'e', reason: 'ClusterBusy' }],
  notStarted: ['f'],
  results: [],
};

const values = (kind: string, result: unknown) =>
  resultCounters(kind, result).map(({ metric, value, labels }) => ({ metric, value, labels }));

describe('counters from a runbook result', () => {
  it('counts a rolled-back change by the kind of change', () => {
    assert.deepEqual(values('change', { outcome: 'rolled-back', kind: 'scale', reason: 'FAILED' }), [
      { metric: 'imply_runbooks_rolled_back_total', value: 1, labels: { kind: 'change', change: 'scale' } },
    ]);
  });

  it('counts nothing extra for a change applied, refused or rejected', () => {
    for (const outcome of ['applied', 'unchanged', 'refused', 'rejected']) {
      assert.deepEqual(values('change', { outcome, kind: 'upgrade' }), [], outcome);
    }
  });

  it("counts a fleet run's clusters by result, and the run with whether it was aborted", () => {
    assert.deepEqual(values('fleet', SUMMARY), [
      { metric: 'imply_runbooks_fleet_clusters_total', value: 3, labels: { action: 'stop', result: 'done' } },
      {
        metric: 'imply_runbooks_fleet_clusters_total',
        value: 1,
        labels: { action: 'stop', result: 'skipped' },
      },
      {
        metric: 'imply_runbooks_fleet_clusters_total',
        value: 1,
        labels: { action: 'stop', result: 'failed' },
      },
      {
        metric: 'imply_runbooks_fleet_clusters_total',
        value: 1,
        labels: { action: 'stop', result: 'not-started' },
      },
      { metric: 'imply_runbooks_fleet_runs_total', value: 1, labels: { action: 'stop', aborted: 'false' } },
    ]);
    const aborted = values('fleet', { ...SUMMARY, aborted: '2 of 6 failed, more than 30%' });
    assert.deepEqual(aborted.at(-1)?.labels, { action: 'stop', aborted: 'true' });
  });

  it("counts a drift check and its drifted clusters by action, by the folder's owner", () => {
    const report = {
      owner: 'platform',
      drifted: [{ action: 'change' }, { action: 'change' }, { action: 'create' }],
    };
    assert.deepEqual(values('drift-check', { outcome: 'drift', report }), [
      {
        metric: 'imply_runbooks_drift_checks_total',
        value: 1,
        labels: { owner: 'platform', outcome: 'drift' },
      },
      {
        metric: 'imply_runbooks_drift_clusters_total',
        value: 2,
        labels: { owner: 'platform', action: 'change' },
      },
      {
        metric: 'imply_runbooks_drift_clusters_total',
        value: 1,
        labels: { owner: 'platform', action: 'create' },
      },
    ]);
    assert.deepEqual(
      values('drift-check', { outcome: 'in-sync', report: { owner: 'platform', drifted: [] } }),
      [
        {
          metric: 'imply_runbooks_drift_checks_total',
          value: 1,
          labels: { owner: 'platform', outcome: 'in-sync' },
        },
      ],
    );
  });

  it('ignores results of other shapes and kinds', () => {
    assert.deepEqual(values('lifecycle', { outcome: 'completed', clusterId: 'c-1' }), []);
    assert.deepEqual(values('fleet', { outcome: 'duplicate' }), []);
    assert.deepEqual(values('power', SUMMARY), []);
    assert.deepEqual(values('keep-alive', undefined), []);
    assert.deepEqual(values('keep-alive', 'done'), []);
  });
});
