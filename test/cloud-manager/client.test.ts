import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { MockAgent } from 'undici';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { CloudManagerContractViolation, CloudManagerRejected } from '../../src/cloud-manager/errors';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import {
  API_BASE,
  API_ORIGIN,
  CLUSTER_ID,
  JSON_HEADERS,
  mockAgent,
  tutorialCluster,
  tutorialRequest,
} from './fixtures';

const TOKEN = 'tok-abc-123-very-secret';

describe('CloudManagerClient requests', () => {
  let agent: MockAgent;
  let client: CloudManagerClient;

  beforeEach(() => {
    agent = mockAgent();
    client = new CloudManagerClient({
      baseUrl: `${API_BASE}/`,
      auth: new StaticTokenProvider(TOKEN),
      dispatcher: agent,
      userAgent: 'imply-runbooks-test',
    });
  });
  afterEach(async () => {
    await agent.close();
  });

  function calls() {
    return agent.getCallHistory()?.calls() ?? [];
  }
  function onlyCall() {
    const all = calls();
    assert.equal(all.length, 1, 'expected exactly one request');
    return all[0]!;
  }
  function reply(method: string, path: string, status: number, body: unknown) {
    agent
      .get(API_ORIGIN)
      .intercept({ method, path })
      .reply(status, body === undefined ? '' : JSON.stringify(body), { headers: JSON_HEADERS });
  }

  it('lists clusters with the bearer token, JSON accept header and user agent', async () => {
    reply('GET', '/api/v1/clusters', 200, [tutorialCluster(), tutorialCluster({ name: 'other' })]);
    const clusters = await client.listClusters();
    assert.deepEqual(
      clusters.map((cluster) => cluster.metadata.name),
      ['clusters-example', 'other'],
    );
    const call = onlyCall();
    assert.equal(call.method, 'GET');
    assert.equal(call.headers?.authorization, `Bearer ${TOKEN}`);
    assert.equal(call.headers?.accept, 'application/json');
    assert.equal(call.headers?.['user-agent'], 'imply-runbooks-test');
    assert.equal(client.baseUrl, API_BASE, 'the trailing slash is dropped');
  });

  it('keeps fields it does not know when reading a cluster', async () => {
    reply('GET', `/api/v1/clusters/${CLUSTER_ID}`, 200, tutorialCluster({ resourceVersion: 4 }));
    const cluster = await client.getCluster(CLUSTER_ID);
    assert.equal(cluster.status?.resourceVersion, 4);
    assert.deepEqual((cluster as Record<string, unknown>).servers, [{ id: 'i-123' }]);
  });

  it('encodes the id in the path', async () => {
    reply('GET', '/api/v1/clusters/a%2Fb%20c%3F', 200, tutorialCluster());
    await client.getCluster('a/b c?');
    assert.equal(onlyCall().path, '/api/v1/clusters/a%2Fb%20c%3F');
  });

  it('finds the live cluster by exact name, skipping deleted and deleting ones', async () => {
    const list = [
      { ...tutorialCluster({ state: 'DELETED' }), metadata: { name: 'clusters-example', uid: 'old-1' } },
      { ...tutorialCluster({ state: 'DELETING' }), metadata: { name: 'clusters-example', uid: 'old-2' } },
      { ...tutorialCluster(), metadata: { name: 'clusters-example-2', uid: 'other' } },
      tutorialCluster({ state: 'STOPPED' }),
    ];
    reply('GET', '/api/v1/clusters', 200, list);
    reply('GET', '/api/v1/clusters', 200, list.slice(0, 3));
    assert.equal((await client.findClusterByName('clusters-example'))?.metadata.uid, CLUSTER_ID);
    assert.equal(await client.findClusterByName('clusters-example'), undefined);
  });

  it('creates a cluster with a JSON body and dryRun=false', async () => {
    reply('POST', '/api/v1/clusters?dryRun=false', 201, tutorialCluster({ state: 'CREATING' }));
    const cluster = await client.createCluster(tutorialRequest());
    assert.equal(cluster.status?.state, 'CREATING');
    const call = onlyCall();
    assert.equal(call.method, 'POST');
    assert.equal(call.headers?.['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(call.body ?? ''), tutorialRequest());
  });

  it('asks for a dry run when told to', async () => {
    reply('POST', '/api/v1/clusters?dryRun=true', 200, tutorialCluster());
    await client.createCluster(tutorialRequest(), { dryRun: true });
    assert.deepEqual(onlyCall().searchParams, { dryRun: 'true' });
  });

  it('replaces a cluster with PUT, passing force', async () => {
    reply('PUT', `/api/v1/clusters/${CLUSTER_ID}?dryRun=false&force=true`, 202, tutorialCluster());
    const request = tutorialRequest();
    request.metadata = { name: 'clusters-example-scaled', uid: CLUSTER_ID };
    await client.replaceCluster(CLUSTER_ID, request, { force: true });
    const call = onlyCall();
    assert.equal(call.method, 'PUT');
    assert.deepEqual(call.searchParams, { dryRun: 'false', force: 'true' });
    assert.equal(JSON.parse(call.body ?? '').metadata.name, 'clusters-example-scaled');
  });

  it('patches with the merge-patch content type', async () => {
    reply(
      'PATCH',
      `/api/v1/clusters/${CLUSTER_ID}?dryRun=false`,
      202,
      tutorialCluster({ state: 'STOPPING' }),
    );
    await client.patchCluster(CLUSTER_ID, { spec: { desiredState: 'STOPPED' } });
    const call = onlyCall();
    assert.equal(call.method, 'PATCH');
    assert.equal(call.headers?.['content-type'], 'application/merge-patch+json');
    assert.deepEqual(JSON.parse(call.body ?? ''), { spec: { desiredState: 'STOPPED' } });
  });

  it('deletes a cluster and accepts an empty 202', async () => {
    reply('DELETE', `/api/v1/clusters/${CLUSTER_ID}`, 202, undefined);
    assert.equal(await client.deleteCluster(CLUSTER_ID), undefined);
    assert.equal(onlyCall().method, 'DELETE');
  });

  it('reads a past version from the history endpoint', async () => {
    reply('GET', `/api/v1/clusters/${CLUSTER_ID}/history/0`, 200, tutorialCluster());
    const cluster = await client.getClusterVersion(CLUSTER_ID, 0);
    assert.equal(cluster.metadata.name, 'clusters-example');
  });

  it('never sends an invalid request, and names the bad fields', async () => {
    const request = tutorialRequest() as unknown as Record<string, Record<string, unknown>>;
    delete request.metadata!.name;
    request.spec!.colour = 'blue';
    await assert.rejects(client.createCluster(request as unknown as ClusterRequest), (error) => {
      assert.ok(error instanceof CloudManagerRejected);
      assert.deepEqual(
        error.details.map((detail) => [detail.code, detail.target]),
        [
          ['NullValue', 'metadata.name'],
          ['MalformedValue', 'spec.colour'],
        ],
      );
      return true;
    });
    await assert.rejects(client.patchCluster(CLUSTER_ID, { status: {} } as never), CloudManagerRejected);
    await assert.rejects(client.getClusterVersion(CLUSTER_ID, -1), /resourceVersion/);
    await assert.rejects(client.getCluster(''), /id: is empty/);
    const mismatched = { ...tutorialRequest(), metadata: { name: 'x', uid: 'another-id' } };
    await assert.rejects(client.replaceCluster(CLUSTER_ID, mismatched), /metadata\.uid/);
    assert.equal(calls().length, 0);
  });

  it('reports an answer that breaks the contract as a ContractViolation', async () => {
    reply('GET', `/api/v1/clusters/${CLUSTER_ID}`, 200, { metadata: { name: 'no uid' }, spec: {} });
    agent
      .get(API_ORIGIN)
      .intercept({ method: 'GET', path: '/api/v1/clusters' })
      .reply(200, '<html>hi</html>');
    await assert.rejects(client.getCluster(CLUSTER_ID), (error) => {
      assert.ok(error instanceof CloudManagerContractViolation);
      assert.equal(error.retryable, false);
      assert.match(error.message, /metadata\.uid/);
      return true;
    });
    await assert.rejects(client.listClusters(), CloudManagerContractViolation);
  });
});
