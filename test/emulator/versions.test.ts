import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEmulator } from '../../src/emulator/server';
import { call, createCluster, startTestEmulator, tutorialPutBody } from './helpers';

describe('emulator versions, history, PUT and PATCH', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  it('counts versions on PUT and keeps each one in history', async () => {
    const uid = await createCluster(emulator);
    const created = await call(emulator, 'GET', `/api/v1/clusters/${uid}`);
    const replaced = await call(emulator, 'PUT', `/api/v1/clusters/${uid}?force=true`, {
      body: tutorialPutBody(),
    });
    assert.equal(replaced.status, 202);
    assert.deepEqual(
      replaced.json.spec.deepStorage,
      { path: 's3://imply-tutorial-bucket/druid' },
      'no encrypt added on PUT',
    );
    const fetched = await call(emulator, 'GET', `/api/v1/clusters/${uid}`);
    assert.equal(fetched.json.status.resourceVersion, 1);
    const first = await call(emulator, 'GET', `/api/v1/clusters/${uid}/history/0`);
    assert.deepEqual(first.json, { metadata: created.json.metadata, spec: created.json.spec });
    const second = await call(emulator, 'GET', `/api/v1/clusters/${uid}/history/1`);
    assert.deepEqual(second.json, replaced.json);
    const missing = await call(emulator, 'GET', `/api/v1/clusters/${uid}/history/7`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json.error, {
      code: 'NotFound',
      message: `Cluster [${uid}] resource version [7] was not found`,
      details: [],
    });
  });

  it('restores a past version by PUTting the history answer, with a status attached, back', async () => {
    const uid = await createCluster(emulator);
    await call(emulator, 'PUT', `/api/v1/clusters/${uid}`, { body: tutorialPutBody() });
    const past = await call(emulator, 'GET', `/api/v1/clusters/${uid}/history/0`);
    const body = { ...past.json, status: { state: 'RUNNING', resourceVersion: 0 } };
    const restored = await call(emulator, 'PUT', `/api/v1/clusters/${uid}`, { body });
    assert.equal(restored.status, 202);
    assert.deepEqual(restored.json, past.json);
    assert.equal((await call(emulator, 'GET', `/api/v1/clusters/${uid}`)).json.status.resourceVersion, 2);
  });

  it('refuses a PUT whose metadata.uid is not the cluster in the path', async () => {
    const uid = await createCluster(emulator);
    const body = {
      ...tutorialPutBody(),
      metadata: { name: 'x', uid: '00000000-0000-0000-0000-000000000000' },
    };
    const refused = await call(emulator, 'PUT', `/api/v1/clusters/${uid}`, { body });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.code, 'BadArgument');
    assert.equal(refused.json.error.details[0].target, 'metadata.uid');
  });

  it('merges a PATCH, counts a version, and echoes desiredState in spec and status', async () => {
    const uid = await createCluster(emulator);
    const patch = {
      metadata: { name: 'patched' },
      spec: { data: { tier1: { replicas: 5 } }, awsTags: [{ name: 'k', value: 'v' }] },
    };
    const patched = await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: patch });
    assert.equal(patched.status, 202);
    assert.equal(patched.json.metadata.name, 'patched');
    assert.equal(patched.json.spec.data.tier1.replicas, 5);
    assert.equal(patched.json.spec.data.tier1.instanceType, 't2.small', 'untouched fields stay');
    assert.deepEqual(patched.json.spec.deepStorage, {
      path: 's3://imply-tutorial-bucket/druid',
      encrypt: true,
    });
    const stopped = await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, {
      body: { spec: { desiredState: 'STOPPED' } },
    });
    assert.equal(stopped.json.spec.desiredState, 'STOPPED');
    const fetched = await call(emulator, 'GET', `/api/v1/clusters/${uid}`);
    assert.deepEqual(fetched.json.status, { state: 'STOPPED', resourceVersion: 2, desiredState: 'STOPPED' });
    assert.equal(fetched.json.spec.desiredState, 'STOPPED');
    const history = await call(emulator, 'GET', `/api/v1/clusters/${uid}/history/2`);
    assert.equal(history.json.spec.desiredState, 'STOPPED');
    assert.equal(
      (await call(emulator, 'GET', `/api/v1/clusters/${uid}/history/1`)).json.spec.desiredState,
      'STARTED',
    );
  });

  it('removes a field with null in a PATCH, then fills its default again', async () => {
    const uid = await createCluster(emulator);
    await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, {
      body: { spec: { awsTags: [{ name: 'k', value: 'v' }] } },
    });
    const cleared = await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, {
      body: { spec: { awsTags: null } },
    });
    assert.deepEqual(cleared.json.spec.awsTags, []);
  });
});
