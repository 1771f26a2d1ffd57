import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningEmulator } from '../../src/emulator/server';
import { call, createCluster, startTestEmulator, tutorialCreateBody, tutorialPutBody } from './helpers';

describe('emulator endpoints', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(() => emulator.clearRequestLog());

  it('creates through POST /api/v1/clusters with 201 and {metadata, spec} only', async () => {
    const created = await call(emulator, 'POST', '/api/v1/clusters', { body: tutorialCreateBody() });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.json), ['metadata', 'spec']);
    assert.equal(created.json.metadata.name, 'clusters-example');
  });

  it('creates through the tutorial alias POST /api/v1', async () => {
    const created = await call(emulator, 'POST', '/api/v1?pretty=true&dryRun=false', {
      body: tutorialCreateBody('alias'),
    });
    assert.equal(created.status, 201);
    const fetched = await call(emulator, 'GET', `/api/v1/clusters/${created.json.metadata.uid}`);
    assert.equal(fetched.json.metadata.name, 'alias');
  });

  it('fills every default of the tutorial in its key order, then desiredState, which status shows too', async () => {
    const body = tutorialCreateBody();
    (body.spec as Record<string, unknown>).desiredState = 'STARTED';
    const created = await call(emulator, 'POST', '/api/v1/clusters', { body });
    const spec = created.json.spec;
    assert.deepEqual(Object.keys(spec), [
      'version', 'awsInstanceRole', 'awsTags', 'encryptVolumes', 'commonRuntimeProperties', 'master', 'query',
      'data', 'metadataStore', 'pivot', 'deepStorage', 'druidExtensions', 'featureFlags', 'customFiles',
      'desiredState',
    ]); // prettier-ignore
    assert.equal(spec.desiredState, 'STARTED');
    assert.deepEqual(spec.data, {
      historicalRuntimeProperties: [],
      middleManagerRuntimeProperties: [],
      tier1: {
        replicas: 1,
        instanceType: 't2.small',
        historicalRuntimeProperties: [],
        middleManagerRuntimeProperties: [],
      },
    });
    assert.deepEqual(spec.master.coordinatorRuntimeProperties, []);
    assert.deepEqual(spec.query.routerRuntimeProperties, []);
    assert.deepEqual(spec.pivot, { accessMode: 'PROXIED' });
    assert.deepEqual(spec.deepStorage, { path: 's3://imply-tutorial-bucket/druid', encrypt: true });
    assert.deepEqual(Object.keys(spec.metadataStore), [
      'instanceType',
      'diskSize',
      'backupRetention',
      'monitoring',
      'encrypt',
    ]);
    const fetched = await call(emulator, 'GET', `/api/v1/clusters/${created.json.metadata.uid}`);
    assert.deepEqual(fetched.json.status, { state: 'RUNNING', resourceVersion: 0, desiredState: 'STARTED' });
    assert.deepEqual(fetched.json.spec, spec);
  });

  it('keeps extra data tiers and runtime properties it is given', async () => {
    const body = tutorialCreateBody();
    const spec = body.spec as Record<string, unknown>;
    spec.data = {
      tier1: { replicas: 1, instanceType: 't2.small' },
      tier2: {
        replicas: 4,
        instanceType: 'm5.large',
        historicalRuntimeProperties: [{ name: 'a', value: 'b' }],
      },
    };
    spec.awsTags = [{ name: 'team', value: 'data' }];
    const created = await call(emulator, 'POST', '/api/v1/clusters', { body });
    assert.equal(created.json.spec.data.tier2.replicas, 4);
    assert.deepEqual(created.json.spec.data.tier2.historicalRuntimeProperties, [{ name: 'a', value: 'b' }]);
    assert.deepEqual(created.json.spec.awsTags, [{ name: 'team', value: 'data' }]);
  });

  it('lists every cluster in creation order, with status', async () => {
    const first = await createCluster(emulator, 'list-one');
    const second = await createCluster(emulator, 'list-two');
    const listed = await call(emulator, 'GET', '/api/v1/clusters');
    assert.equal(listed.status, 200);
    const uids = listed.json.map((cluster: { metadata: { uid: string } }) => cluster.metadata.uid);
    assert.ok(uids.indexOf(first) < uids.indexOf(second) && uids.indexOf(first) >= 0);
    assert.deepEqual(Object.keys(listed.json[0]), ['metadata', 'spec', 'status']);
  });

  it('answers a dry run with 200 and the would-be cluster, storing nothing', async () => {
    const before = (await call(emulator, 'GET', '/api/v1/clusters')).json.length;
    const dryRun = await call(emulator, 'POST', '/api/v1/clusters?dryRun=true', {
      body: tutorialCreateBody('dry'),
    });
    assert.equal(dryRun.status, 200);
    assert.equal(dryRun.json.metadata.name, 'dry');
    assert.equal((await call(emulator, 'GET', '/api/v1/clusters')).json.length, before);
    assert.equal((await call(emulator, 'GET', `/api/v1/clusters/${dryRun.json.metadata.uid}`)).status, 404);
    const uid = await createCluster(emulator);
    const putDryRun = await call(emulator, 'PUT', `/api/v1/clusters/${uid}?dryRun=true`, {
      body: tutorialPutBody(),
    });
    assert.equal(putDryRun.status, 200);
    assert.equal(putDryRun.json.spec.data.tier1.replicas, 2);
    const fetched = await call(emulator, 'GET', `/api/v1/clusters/${uid}`);
    assert.deepEqual(fetched.json.status, { state: 'RUNNING', resourceVersion: 0, desiredState: 'STARTED' });
    assert.equal(emulator.requestLog().at(-2)!.committed, false, 'a dry run is not committed');
  });

  it('pretty-prints with two spaces only when pretty=true', async () => {
    const uid = await createCluster(emulator);
    const pretty = await call(emulator, 'GET', `/api/v1/clusters/${uid}?pretty=true`);
    assert.equal(pretty.text, `${JSON.stringify(pretty.json, null, 2)}\n`);
    const compact = await call(emulator, 'GET', `/api/v1/clusters/${uid}`);
    assert.equal(compact.text, JSON.stringify(compact.json));
  });

  it('answers 202 to DELETE, then 404 by id while the list still shows the cluster as DELETED', async () => {
    const uid = await createCluster(emulator);
    const deleted = await call(emulator, 'DELETE', `/api/v1/clusters/${uid}`);
    assert.equal(deleted.status, 202);
    for (const [method, path, body] of [
      ['GET', `/api/v1/clusters/${uid}`, undefined],
      ['PUT', `/api/v1/clusters/${uid}`, tutorialPutBody()],
      ['PATCH', `/api/v1/clusters/${uid}`, { spec: { desiredState: 'STOPPED' } }],
      ['GET', `/api/v1/clusters/${uid}/history/0`, undefined],
      ['DELETE', `/api/v1/clusters/${uid}`, undefined],
    ] as const) {
      const answer = await call(emulator, method, path, { body });
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.deepEqual(answer.json.error, {
        code: 'NotFound',
        message: `Cluster [${uid}] was not found`,
        details: [],
      });
    }
    const listed = (await call(emulator, 'GET', '/api/v1/clusters')).json;
    const found = listed.find((cluster: { metadata: { uid: string } }) => cluster.metadata.uid === uid);
    assert.equal(found.status.state, 'DELETED');
  });

  it('answers 404 NotFound in the envelope for an unknown cluster or route, and 405 for a wrong method', async () => {
    const unknown = await call(emulator, 'GET', '/api/v1/clusters/no-such-cluster');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'NotFound');
    for (const path of ['/api/v1/nodes', '/api/v2/clusters', '/', '/api/v1/clusters/x/history']) {
      const answer = await call(emulator, 'GET', path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.json.error.code, 'NotFound', path);
    }
    const wrongMethod = await call(emulator, 'DELETE', '/api/v1/clusters');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'GET, POST');
    assert.equal(wrongMethod.json.error.code, 'MethodNotAllowed');
  });
});
