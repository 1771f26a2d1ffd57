import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEmulator } from '../../src/emulator/server';
import { call, createCluster, startTestEmulator, tutorialCreateBody, type Json } from './helpers';

/** The emulator's modes over HTTP: the tutorial's trimmed outputs, and realistic clusters. */

const clusterPath = (uid: string) => `/api/v1/clusters/${uid}`;

/** What a client sends back in a PUT: the cluster as GET returned it, without its status. */
function putBodyFrom(cluster: Json): Json {
  const { status: _status, ...body } = structuredClone(cluster);
  return body;
}

describe('emulator modes', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  it('--tutorial-outputs: no answer carries spec.desiredState, status still does', async () => {
    emulator.setMode({ tutorialOutputs: true });
    try {
      const created = await call(emulator, 'POST', '/api/v1/clusters', { body: tutorialCreateBody('trim') });
      const uid = created.json.metadata.uid;
      const put = await call(emulator, 'PUT', clusterPath(uid), { body: tutorialCreateBody('trim') });
      const patch = await call(emulator, 'PATCH', clusterPath(uid), { body: { spec: { pivot: null } } });
      const history = await call(emulator, 'GET', `${clusterPath(uid)}/history/0`);
      const got = await call(emulator, 'GET', clusterPath(uid));
      for (const answer of [created, put, patch, history, got]) {
        assert.ok(!('desiredState' in answer.json.spec), JSON.stringify(answer.json.spec));
      }
      assert.equal(got.json.status.desiredState, 'STARTED');
    } finally {
      emulator.setMode({ tutorialOutputs: false });
    }
  });

  it('the default mode refuses a field nobody models, naming it', async () => {
    const body = tutorialCreateBody('typo');
    (body.spec.data.tier1 as Json).replicaz = 2;
    const refused = await call(emulator, 'POST', '/api/v1/clusters', { body });
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.json.error.details.map((detail: Json) => detail.target),
      ['spec.data.tier1.replicaz'],
    );
  });

  describe('realistic', () => {
    before(async () => {
      const mode = await call(emulator, 'PUT', '/_emulator/mode', { body: { realistic: true }, token: null });
      assert.deepEqual(mode.json, { realistic: true, tutorialOutputs: false });
    });
    after(() => {
      emulator.setMode({ realistic: false });
    });

    it('gives clusters unmodelled spec fields (top-level and nested, objects and lists) and status fields', async () => {
      const uid = await createCluster(emulator, 'realistic');
      const { spec, status } = (await call(emulator, 'GET', clusterPath(uid))).json;
      assert.deepEqual(spec.zookeeper, {
        replicas: 3,
        instanceType: 'm5.large',
        settings: { tickTimeMs: 2000 },
      });
      assert.deepEqual(spec.ingressCidrs, ['10.0.0.0/8']);
      assert.deepEqual(spec.query.pivotRuntimeProperties, []);
      assert.equal(spec.data.tier1.diskSize, 100);
      assert.equal(spec.metadataStore.multiAz, false);
      assert.deepEqual(Object.keys(status), [
        'state', 'resourceVersion', 'desiredState', 'servers', 'events', 'loadBalancer', 'updateState',
      ]); // prettier-ignore
      assert.deepEqual(status.servers[0], {
        nodeType: 'master',
        instanceType: 't2.small',
        count: 3,
        state: 'RUNNING',
      });
      const history = (await call(emulator, 'GET', `${clusterPath(uid)}/history/0`)).json;
      assert.deepEqual(history.spec, spec, 'history holds them too');
    });

    it('takes them back in a PUT and a PATCH, and a PUT that leaves one out resets it', async () => {
      const uid = await createCluster(emulator, 'realistic-put');
      const patched = await call(emulator, 'PATCH', clusterPath(uid), {
        body: { spec: { zookeeper: { replicas: 5 }, data: { tier1: { diskSize: 500 } } } },
      });
      assert.equal(patched.status, 202, patched.text);
      const cluster = (await call(emulator, 'GET', clusterPath(uid))).json;
      assert.equal(cluster.spec.zookeeper.replicas, 5);
      const body = putBodyFrom(cluster);
      body.spec.query.pivotRuntimeProperties = [{ name: 'p', value: 'v', scope: 'all' }];
      body.spec.metadataStore.multiAz = true;
      body.spec.query.replicas = 4;
      const put = await call(emulator, 'PUT', clusterPath(uid), { body });
      assert.equal(put.status, 202, put.text);
      const after = (await call(emulator, 'GET', clusterPath(uid))).json;
      assert.deepEqual(after.spec, body.spec, 'every field as sent, known and unknown');

      const lossy = putBodyFrom(after);
      delete lossy.spec.zookeeper;
      delete lossy.spec.data.tier1.diskSize;
      delete lossy.spec.metadataStore.multiAz;
      assert.equal((await call(emulator, 'PUT', clusterPath(uid), { body: lossy })).status, 202);
      const reset = (await call(emulator, 'GET', clusterPath(uid))).json.spec;
      assert.deepEqual(
        [reset.zookeeper.replicas, reset.data.tier1.diskSize, reset.metadataStore.multiAz],
        [3, 100, false],
        'a whole-spec replace resets what it leaves out',
      );
    });

    it('still checks the fields it knows, naming a bad one among unknown ones', async () => {
      const uid = await createCluster(emulator, 'realistic-bad');
      const body = putBodyFrom((await call(emulator, 'GET', clusterPath(uid))).json);
      body.spec.data.tier1.replicas = 0;
      const refused = await call(emulator, 'PUT', clusterPath(uid), { body });
      assert.equal(refused.status, 400);
      assert.deepEqual(
        refused.json.error.details.map((detail: Json) => detail.target),
        ['spec.data.tier1.replicas'],
      );
    });
  });

  it('refuses a bad mode, naming the field, and reports the mode in health', async () => {
    const bad = await call(emulator, 'PUT', '/_emulator/mode', { body: { realistic: 'yes' }, token: null });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.details[0].target, 'realistic');
    const typo = await call(emulator, 'PUT', '/_emulator/mode', { body: { realistik: true }, token: null });
    assert.equal(typo.status, 400);
    const health = await call(emulator, 'GET', '/_emulator/health', { token: null });
    assert.deepEqual(health.json.mode, { realistic: false, tutorialOutputs: false });
  });
});
