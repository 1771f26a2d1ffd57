import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { planActivities } from '../../src/activities/plans';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type { RunningEmulator } from '../../src/emulator/server';
import { applySpecChanges } from '../../src/shared/spec-changes';
import { startTestEmulator, TOKEN } from '../emulator/helpers';

const tutorialCluster = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8')) as ClusterRequest;

describe('planChange activity (against the emulator over HTTP)', () => {
  let emulator: RunningEmulator;
  let api: CloudManagerClient;
  let clusterId: string;

  before(async () => {
    emulator = await startTestEmulator();
    api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(TOKEN) });
    clusterId = (await api.createCluster(tutorialCluster)).metadata.uid;
    for (let attempt = 0; (await api.getCluster(clusterId)).status?.state !== 'RUNNING'; attempt++) {
      assert.ok(attempt < 100, 'the cluster never became RUNNING');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  after(async () => {
    await emulator?.close();
  });

  it('lists only the fields the change moves, not the defaults the API fills in', async () => {
    // A PUT fills no `deepStorage.encrypt` default (only a create does, as the tutorial's step 3
    // shows): replacing the spec really drops it, so the approver must see that line too.
    const request = applySpecChanges(tutorialCluster, [
      { path: 'spec.data.tier1.replicas', value: 2 },
      { path: 'metadata.name', value: 'clusters-example-scaled' },
    ]);
    const plan = await planActivities({ api }).planChange(clusterId, request, 'dave', 'more ingestion');
    assert.deepEqual(plan.changes, [
      {
        path: 'metadata.name',
        kind: 'changed',
        before: 'clusters-example',
        after: 'clusters-example-scaled',
      },
      { path: 'spec.data.tier1.replicas', kind: 'changed', before: 1, after: 2 },
      { path: 'spec.deepStorage.encrypt', kind: 'removed', before: true },
    ]);
    assert.deepEqual(plan.diffLines, [
      'metadata.name: "clusters-example" → "clusters-example-scaled"',
      'spec.data.tier1.replicas: 1 → 2',
      'spec.deepStorage.encrypt: true → (absent)',
    ]);
    assert.deepEqual(
      [plan.clusterId, plan.clusterName, plan.resourceVersion, plan.requester, plan.reason],
      [clusterId, 'clusters-example', 0, 'dave', 'more ingestion'],
    );
    assert.ok(!Number.isNaN(Date.parse(plan.createdAt)));
  });

  it('with the spec changes, plans the live configuration with them: only the named fields move', async () => {
    const changes = [
      { path: 'spec.data.tier1.replicas', value: 2 },
      { path: 'metadata.name', value: 'clusters-example-scaled' },
    ];
    const request = applySpecChanges(tutorialCluster, changes);
    const plan = await planActivities({ api }).planChange(clusterId, request, 'dave', undefined, changes);
    assert.deepEqual(plan.diffLines, [
      'metadata.name: "clusters-example" → "clusters-example-scaled"',
      'spec.data.tier1.replicas: 1 → 2',
    ]);
  });

  it('refuses spec changes that make no valid request, naming the field, without writing', async () => {
    const before = await api.getCluster(clusterId);
    const request = applySpecChanges(tutorialCluster, []);
    await assert.rejects(
      planActivities({ api }).planChange(clusterId, request, 'dave', undefined, [
        { path: 'spec.data.tier1.replicas', value: 'two' },
      ]),
      (error: Error) => /spec\.data\.tier1\.replicas/.test(error.message),
    );
    assert.equal((await api.getCluster(clusterId)).status?.resourceVersion, before.status?.resourceVersion);
  });

  it('changes nothing: the cluster keeps its resource version and its spec', async () => {
    const before = await api.getCluster(clusterId);
    const request = applySpecChanges(tutorialCluster, [{ path: 'spec.query.replicas', value: 5 }]);
    const plan = await planActivities({ api }).planChange(clusterId, request, 'dave');
    assert.deepEqual(plan.diffLines, [
      'spec.query.replicas: 3 → 5',
      'spec.deepStorage.encrypt: true → (absent)',
    ]);
    assert.equal(plan.reason, undefined);
    const after = await api.getCluster(clusterId);
    assert.equal(after.status?.resourceVersion, before.status?.resourceVersion);
    assert.deepEqual(after.spec, before.spec);
  });

  it('refuses an invalid change without retrying, naming the field', async () => {
    const request = applySpecChanges(tutorialCluster, [{ path: 'spec.data.tier1.replicas', value: 0 }]);
    await assert.rejects(planActivities({ api }).planChange(clusterId, request, 'dave'), (error) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'CloudManagerRejected');
      assert.equal(error.nonRetryable, true);
      assert.match(error.message, /data\.tier1\.replicas/);
      return true;
    });
  });
});
