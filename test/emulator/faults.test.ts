import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import type { RunningEmulator } from '../../src/emulator/server';
import { call, createCluster, startTestEmulator, TOKEN, tutorialCreateBody } from './helpers';

const admin = (emulator: RunningEmulator, method: string, path: string, body?: unknown) =>
  call(emulator, method, path, { body, token: null });

describe('emulator faults', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await admin(emulator, 'DELETE', '/_emulator/faults');
    emulator.clearRequestLog();
  });

  it('throttles the next N requests with 429 TooManyRequests and Retry-After', async () => {
    await admin(emulator, 'PUT', '/_emulator/faults', { throttleNext: 2, retryAfterSeconds: 3 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const throttled = await call(emulator, 'GET', '/api/v1/clusters');
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers['retry-after'], '3');
      assert.equal(throttled.json.error.code, 'TooManyRequests');
    }
    assert.equal((await call(emulator, 'GET', '/api/v1/clusters')).status, 200);
  });

  it('answers the next N requests with 500 InternalError, or 503 ServiceUnavailable when errorStatus says so', async () => {
    emulator.setFaults({ errorNext: 1 });
    const internal = await call(emulator, 'GET', '/api/v1/clusters');
    assert.equal(internal.status, 500);
    assert.equal(internal.json.error.code, 'InternalError');
    emulator.setFaults({ errorNext: 1, errorStatus: 503 });
    const unavailable = await call(emulator, 'GET', '/api/v1/clusters');
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.json.error.code, 'ServiceUnavailable');
    assert.equal((await call(emulator, 'GET', '/api/v1/clusters')).status, 200);
  });

  it('applies the count-based faults only to requests matching method and path prefix', async () => {
    emulator.setFaults({ errorNext: 1, match: { method: 'post', pathPrefix: '/api/v1/clusters' } });
    assert.equal((await call(emulator, 'GET', '/api/v1/clusters')).status, 200);
    assert.equal(
      (await call(emulator, 'POST', '/api/v1', { body: tutorialCreateBody() })).status,
      201,
      'path differs',
    );
    assert.equal(
      (await call(emulator, 'POST', '/api/v1/clusters', { body: tutorialCreateBody() })).status,
      500,
    );
    assert.equal(
      (await call(emulator, 'POST', '/api/v1/clusters', { body: tutorialCreateBody() })).status,
      201,
    );
  });

  it('draws rate-based faults from the seed, so the same seed gives the same answers', async () => {
    const statuses = async (seed: number) => {
      const seeded = await startTestEmulator({ seed, faults: { errorRate: 0.5, throttleRate: 0.2 } });
      try {
        const answers: number[] = [];
        for (let index = 0; index < 30; index++)
          answers.push((await call(seeded, 'GET', '/api/v1/clusters')).status);
        return answers;
      } finally {
        await seeded.close();
      }
    };
    const first = await statuses(42);
    assert.deepEqual(await statuses(42), first);
    for (const status of [200, 429, 500])
      assert.ok(first.includes(status), `${status} in ${first.join(',')}`);
  });

  it('adds latency to requests, as the request log shows', async () => {
    emulator.setFaults({ latencyMs: 150 });
    assert.equal((await call(emulator, 'GET', '/api/v1/clusters')).status, 200);
    assert.ok(emulator.requestLog()[0]!.durationMs >= 149, JSON.stringify(emulator.requestLog()[0]));
  });

  it('commits a POST, then closes the socket without answering (commit-then-drop)', async () => {
    emulator.setFaults({ dropAfterCommitNext: 1, match: { method: 'POST' } });
    const invalid = await call(emulator, 'POST', '/api/v1/clusters', { body: { metadata: {} } });
    assert.equal(invalid.status, 400, 'a refused request commits nothing, so it is answered');
    await assert.rejects(
      request(`${emulator.apiUrl}/clusters`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(tutorialCreateBody('dropped')),
      }),
      (error: { code?: string }) => error.code === 'UND_ERR_SOCKET',
    );
    const listed = (await call(emulator, 'GET', '/api/v1/clusters')).json;
    assert.ok(listed.some((cluster: { metadata: { name: string } }) => cluster.metadata.name === 'dropped'));
    const entry = emulator.requestLog().find((each) => each.dropped)!;
    assert.equal(entry.method, 'POST');
    assert.equal(entry.committed, true);
    assert.equal(entry.status, 201);
    assert.ok(entry.clusterId);
  });

  it('drops a committed PATCH at dropAfterCommitRate 1, and the change is there', async () => {
    const uid = await createCluster(emulator);
    emulator.setFaults({ dropAfterCommitRate: 1 });
    await assert.rejects(
      call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, {
        body: { spec: { data: { tier1: { replicas: 4 } } } },
      }),
      (error: { code?: string }) => error.code === 'UND_ERR_SOCKET',
    );
    emulator.setFaults({ dropAfterCommitRate: 0 });
    assert.equal((await call(emulator, 'GET', `/api/v1/clusters/${uid}`)).json.spec.data.tier1.replicas, 4);
  });

  it('rate-limits all API requests with a token bucket', async () => {
    emulator.setFaults({ rateLimitPerSecond: 1 });
    const first = await call(emulator, 'GET', '/api/v1/clusters');
    const second = await call(emulator, 'GET', '/api/v1/clusters');
    assert.equal(first.status, 200);
    assert.equal(second.status, 429);
    assert.equal(second.json.error.code, 'TooManyRequests');
    assert.match(second.json.error.message, /Rate limit of 1 requests per second/);
    assert.ok(Number(second.headers['retry-after']) >= 1);
  });
});
