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
  it('keeps only the fields the strict request schema knows, without status or desiredState, and applies the change', () => {
    const request = requestFromCluster(FROM_API, [{ path: 'spec.data.tier1.replicas', value: 4 }]);
    assert.deepEqual(request, {
      metadata: { name: 'orders', uid: '3f1c' },
      spec: {
        version: '2021.10',
        awsInstanceRole: 'role',
        awsTags: [{ name: 'env', value: 'prod' }],
        master: { replicas: 3, instanceType: 't2.small', coordinatorRuntimeProperties: [] },
        query: { replicas: 3, instanceType: 't2.small', brokerRuntimeProperties: [] },
        data: {
          historicalRuntimeProperties: [],
          tier1: { replicas: 4, instanceType: 't2.small', historicalRuntimeProperties: [] },
        },
        deepStorage: { path: 's3://bucket/prefix', encrypt: true },
        pivot: { accessMode: 'PROXIED' },
        druidExtensions: [{ name: 'druid-s3' }],
      },
    });
    assert.equal(FROM_API.spec.data.tier1.replicas, 1, 'the cluster read must not change');
  });

  it('refuses a change that makes an invalid request, naming the field', () => {
    assert.throws(
      () => requestFromCluster(FROM_API, [{ path: 'spec.data.tier1.replicas', value: 0 }]),
      (error: unknown) =>
        error instanceof CloudManagerRejected &&
        /spec\.data\.tier1\.replicas: must be at least 1/.test(error.message),
    );
    assert.throws(
      () => requestFromCluster(FROM_API, [{ path: 'spec.data.tier1.replicaz', value: 2 }]),
      /spec\.data\.tier1\.replicaz: is not an allowed field/,
    );
  });
});
