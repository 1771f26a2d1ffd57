import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsKeepAlives, planFleet, powerIntent } from '../../src/shared/fleet-plan';

describe('fleet plan (shared by the fleet run and --dry-run)', () => {
  it('judges each listed state as the power runbook does', () => {
    assert.deepEqual(powerIntent('RUNNING', 'stop'), { acts: true, what: 'stop: RUNNING → STOPPED' });
    assert.deepEqual(powerIntent('STOPPED', 'stop'), { acts: false, what: 'skip: already STOPPED' });
    assert.deepEqual(powerIntent('FAILED', 'start'), { acts: true, what: 'start: FAILED → RUNNING' });
    assert.equal(
      powerIntent('UPDATING', 'stop').what,
      'wait for UPDATING to settle, then stop if still needed',
    );
    assert.equal(powerIntent('PROVISIONING', 'stop').acts, true);
    assert.match(powerIntent('DELETING', 'start').what, /^fail: DELETING/);
  });

  it('skips opted-out and kept-alive clusters with why, and fails names that match nothing', () => {
    const clusters = [
      { id: '1', name: 'a', state: 'RUNNING', optedOut: false },
      { id: '2', name: 'b', state: 'RUNNING', optedOut: true },
      { id: '3', name: 'c', state: 'RUNNING', optedOut: false },
    ];
    const keepAlive = {
      clusterId: '3',
      clusterName: 'c',
      until: 'later',
      reason: 'demo',
      setBy: 'bob',
      setAt: 'now',
    };
    const plan = planFleet({ clusters, missing: ['gone'] }, [keepAlive], {});
    assert.deepEqual(
      plan.targets.map((cluster) => cluster.name),
      ['a'],
    );
    assert.deepEqual(plan.skipped, [
      { cluster: 'b', reason: 'opted out (tag imply-runbooks/schedule=off)' },
      { cluster: 'c', reason: 'kept alive by bob until later: demo' },
    ]);
    assert.deepEqual(plan.failed, [
      { cluster: 'gone', reason: 'not found: no live cluster has this id or name' },
    ]);
    assert.equal(needsKeepAlives('start', clusters), false);
    assert.equal(needsKeepAlives('stop', [clusters[1]!]), false);
  });
});
