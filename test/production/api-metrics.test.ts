import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricMeter,
  MetricTags,
} from '@temporalio/common';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { endpointOf, observeCloudManagerCalls } from '../../src/observability/api-metrics';
import { createLogger } from '../../src/observability/logger';
import { findFreePort } from '../../src/dev/ports';
import { TUTORIAL_CLUSTER } from '../helpers/e2e';

interface Recorded {
  name: string;
  value: number;
  tags: MetricTags;
}

/** A MetricMeter that keeps what is recorded, to read back in assertions. */
class RecordingMeter implements MetricMeter {
  readonly records: Recorded[] = [];

  createCounter(name: string): MetricCounter {
    return this.metric(name, 'counter') as MetricCounter;
  }

  createHistogram(name: string): MetricHistogram {
    return this.metric(name, 'histogram') as MetricHistogram;
  }

  createGauge(name: string): MetricGauge {
    return this.metric(name, 'gauge') as MetricGauge;
  }

  withTags(): MetricMeter {
    return this;
  }

  total(name: string, tags: MetricTags): number {
    return this.records
      .filter((record) => record.name === name)
      .filter((record) => Object.entries(tags).every(([key, value]) => record.tags[key] === value))
      .reduce((sum, record) => sum + record.value, 0);
  }

  private metric(name: string, kind: string) {
    const record = (value: number, tags: MetricTags = {}) => void this.records.push({ name, value, tags });
    const metric = { name, kind, valueType: 'int', add: record, record, set: record, withTags: () => metric };
    return metric;
  }
}

const TOKEN = 'metrics-test-token-0123456789';

describe('Cloud Manager call metrics', () => {
  let emulator: RunningEmulator;
  let api: CloudManagerClient;

  before(async () => {
    emulator = await startEmulator({ port: 0, transitionMs: 0, tokens: [{ token: TOKEN }] });
    api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(TOKEN) });
  });

  after(async () => {
    await emulator.close();
  });

  it('names endpoints by their template and keeps the cluster id', () => {
    assert.deepEqual(endpointOf('/api/v1/clusters?dryRun=true', '/api/v1'), { endpoint: '/clusters' });
    assert.deepEqual(endpointOf('/api/v1/clusters/abc', '/api/v1/'), {
      endpoint: '/clusters/{id}',
      clusterId: 'abc',
    });
    assert.deepEqual(endpointOf('/api/v1/clusters/abc/history/3', '/api/v1'), {
      endpoint: '/clusters/{id}/history/{resourceVersion}',
      clusterId: 'abc',
    });
    assert.deepEqual(endpointOf('/api/v1/users', '/api/v1'), { endpoint: 'other' });
    assert.equal(endpointOf('/_emulator/faults', '/api/v1'), undefined);
  });

  it('counts calls by endpoint and status, 429s apart, and logs them without the token', async () => {
    const meter = new RecordingMeter();
    const lines: string[] = [];
    const logger = createLogger({
      level: 'DEBUG',
      format: 'json',
      component: 'worker',
      env: { IMPLY_TOKEN: TOKEN },
      destination: { write: (line: string) => void lines.push(line) },
    });
    const stop = observeCloudManagerCalls({ baseUrl: emulator.apiUrl, meter, logger });
    try {
      emulator.setFaults({ throttleNext: 1, retryAfterSeconds: 0 });
      await assert.rejects(api.listClusters(), { status: 429 });
      await api.listClusters();
      const created = await api.createCluster(TUTORIAL_CLUSTER);
      await api.getCluster(created.metadata.uid);
      await assert.rejects(api.getCluster('no-such-cluster'), { status: 404 });
      await fetch(`${emulator.url}/_emulator/faults`); // same host, outside the API: not counted
    } finally {
      stop();
    }
    await api.listClusters(); // after stop(): not counted
    const requests = 'imply_runbooks_cloud_manager_requests_total';
    assert.equal(meter.total(requests, { method: 'GET', endpoint: '/clusters', status: '429' }), 1);
    assert.equal(meter.total(requests, { method: 'GET', endpoint: '/clusters', status: '200' }), 1);
    assert.equal(meter.total(requests, { method: 'POST', endpoint: '/clusters', status: '201' }), 1);
    assert.equal(meter.total(requests, { method: 'GET', endpoint: '/clusters/{id}', status: '200' }), 1);
    assert.equal(meter.total(requests, { method: 'GET', endpoint: '/clusters/{id}', status: '404' }), 1);
    assert.equal(meter.total(requests, {}), 5);
    assert.equal(meter.total('imply_runbooks_cloud_manager_throttled_total', { endpoint: '/clusters' }), 1);
    const records = lines.map((line) => JSON.parse(line));
    assert.equal(records.length, 5);
    assert.deepEqual(
      records.filter((record) => record.level === 'warn').map((record) => record.status),
      ['429'],
    );
    assert.ok(records.some((record) => record.clusterId === 'no-such-cluster' && record.status === '404'));
    assert.ok(!lines.join('').includes(TOKEN));
  });

  it('counts a call that got no answer as status error', async () => {
    const closed = `http://127.0.0.1:${await findFreePort()}/api/v1`;
    const meter = new RecordingMeter();
    const stop = observeCloudManagerCalls({ baseUrl: closed, meter });
    try {
      const unreachable = new CloudManagerClient({ baseUrl: closed, auth: new StaticTokenProvider(TOKEN) });
      await assert.rejects(unreachable.listClusters());
    } finally {
      stop();
    }
    assert.equal(
      meter.total('imply_runbooks_cloud_manager_requests_total', { endpoint: '/clusters', status: 'error' }),
      1,
    );
  });
});
