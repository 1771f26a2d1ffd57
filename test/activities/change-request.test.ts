import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestFromCluster } from '../../src/activities/change-request';
import { CloudManagerRejected } from '../../src/cloud-manager/errors';

/** A cluster as the real API may return it: more than a PUT takes (servers, events, update state…). */
const FROM_API = {
  metadata: { name: 'orders', uid: '3f1c', createdAt: '2026-01-01T00:00:00Z', labels: { team: 'data' } },
  spec: {
    version: '2021.10',
    awsInstanceRole: 'role',
    awsTags: [{ name: 'env', value: 'prod' }],
    desiredState: 'STARTED',
    master: {
      replicas: 3,
      instanceType: 't2.small',
      coordinatorRuntimeProperties: [],
      servers: [{ id: 'm-1' }],
    },
    query: { replicas: 3, instanceType: 't2.small', brokerRuntimeProperties: [] },
    data: {
      historicalRuntimeProperties: [],
      tier1: {
        replicas: 1,
        instanceType: 't2.small',
        historicalRuntimeProperties: [],
        autoscaling: { on: false },
      },
    },
    deepStorage: { path: 's3://bucket/prefix', encrypt: true, region: 'us-east-1' },
    pivot: { accessMode: 'PROXIED' },
    druidExtensions: [{ name: 'druid-s3' }],
    loadBalancers: [{ dns: 'lb.example' }],
  },
  status: { state: 'RUNNING', resourceVersion: 7, updateState: 'IDLE' },
  events: [{ message: 'started' }],
};

describe('the PUT body of a change, built from the cluster as the API returns it', () => {
  it('keeps every field at every depth, drops only status, and applies the change', () => {
    const request = requestFromCluster(FROM_API, [{ path: 'spec.data.tier1.replicas', value: 4 }]);
    const { status: _status, ...expected } = structuredClone(FROM_API);
    expected.spec.data.tier1.replicas = 4;
    assert.deepEqual(request, expected);
    assert.equal(FROM_API.spec.data.tier1.replicas, 1, 'the cluster read must not change');
  });

  it('a restore takes history whole but keeps the live power state', () => {
    const past = { ...FROM_API, spec: { ...FROM_API.spec, desiredState: 'STOPPED' } };
    const live = {
      metadata: FROM_API.metadata,
      spec: { ...FROM_API.spec, desiredState: 'STARTED' as const },
    };
    const request = requestFromCluster(past, [], live);
    assert.equal(request.spec.desiredState, 'STARTED');
    assert.deepEqual((request.spec as Record<string, unknown>).loadBalancers, [{ dns: 'lb.example' }]);
    const trimmed = { metadata: FROM_API.metadata, spec: { ...FROM_API.spec, desiredState: undefined } };
    assert.ok(!('desiredState' in requestFromCluster(past, [], trimmed).spec));
  });

  it('may change a field only the cluster has, not one nobody has', () => {
    const request = requestFromCluster(FROM_API, [{ path: 'spec.master.servers', value: 'x' }]);
    assert.equal((request.spec.master as Record<string, unknown>).servers, 'x');
    assert.throws(
      () => requestFromCluster(FROM_API, [{ path: 'spec.data.tier1.replicaz', value: 2 }]),
      (error: unknown) =>
        error instanceof CloudManagerRejected &&
        error.details.some((detail) => detail.target === 'spec.data.tier1.replicaz') &&
        /spec\.data\.tier1\.replicaz: is not an allowed field.*check its spelling/.test(error.message),
    );
  });

  it('refuses a change that makes a known field invalid, naming it, even among unknown fields', () => {
    assert.throws(
      () => requestFromCluster(FROM_API, [{ path: 'spec.data.tier1.replicas', value: 0 }]),
      (error: unknown) =>
        error instanceof CloudManagerRejected &&
        /spec\.data\.tier1\.replicas: must be at least 1/.test(error.message),
    );
    const broken = { ...FROM_API, spec: { ...FROM_API.spec, pivot: { accessMode: 'SIDEWAYS' } } };
    assert.throws(() => requestFromCluster(broken, []), /spec\.pivot\.accessMode/);
  });
});
