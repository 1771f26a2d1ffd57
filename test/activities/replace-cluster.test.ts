import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { clusterActivities } from '../../src/activities/clusters';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type { RunningEmulator } from '../../src/emulator/server';
import { applySpecChanges } from '../../src/shared/spec-changes';
import { startTestEmulator, TOKEN } from '../emulator/helpers';

const tutorialCluster = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8')) as ClusterRequest;
const SCALE = [{ path: 'spec.data.tier1.replicas', value: 2 }];

describe('replaceCluster activity with spec changes (against the emulator over HTTP)', () => {
  let emulator: RunningEmulator;
  let api: CloudManagerClient;

  before(async () => {
    emulator = await startTestEmulator();
    api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(TOKEN) });
  });
  after(async () => {
    await emulator?.close();
  });

  async function runningCluster(name: string): Promise<string> {
    const uid = (await api.createCluster({ ...tutorialCluster, metadata: { name } })).metadata.uid;
    for (let attempt = 0; (await api.getCluster(uid)).status?.state !== 'RUNNING'; attempt++) {
      assert.ok(attempt < 200, 'the cluster never became RUNNING');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return uid;
  }

  it('PUTs the live configuration with the changes: what the API filled in at create stays', async () => {
    const uid = await runningCluster('replace-live');
    const request = applySpecChanges({ ...tutorialCluster, metadata: { name: 'replace-live' } }, SCALE);
    const activities = clusterActivities({ api });
    await activities.replaceCluster(uid, request, { expectedResourceVersion: 0, changes: SCALE });
    const after = await api.getCluster(uid);
    assert.equal(after.status?.resourceVersion, 1);
    assert.equal(after.spec.data?.tier1?.replicas, 2);
    assert.deepEqual(after.spec.deepStorage, { path: tutorialCluster.spec.deepStorage.path, encrypt: true });
  });

  it('a retry after the change landed returns it without a second PUT; a change by someone else fails', async () => {
    const uid = await runningCluster('replace-retry');
    const request = applySpecChanges({ ...tutorialCluster, metadata: { name: 'replace-retry' } }, SCALE);
    const activities = clusterActivities({ api });
    const options = { expectedResourceVersion: 0, changes: SCALE };
    await activities.replaceCluster(uid, request, options);
    const again = await activities.replaceCluster(uid, request, options);
    assert.equal(again.resourceVersion, 1, 'the landed change counts as done');
    assert.equal((await api.getCluster(uid)).status?.resourceVersion, 1, 'no second version');

    const other = await runningCluster('replace-drift');
    await api.patchCluster(other, { spec: { awsKeyPair: 'rotated' } });
    const drifted = applySpecChanges({ ...tutorialCluster, metadata: { name: 'replace-drift' } }, SCALE);
    await assert.rejects(
      activities.replaceCluster(other, drifted, options),
      /changed since the plan \(resource version 0 → 1\); nothing was applied/,
    );
    assert.equal((await api.getCluster(other)).spec.data?.tier1?.replicas, 1);
  });
});
