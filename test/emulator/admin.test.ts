import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RequestLog } from '../../src/emulator/request-log';
import type { RunningEmulator } from '../../src/emulator/server';
import { call, createCluster, startTestEmulator } from './helpers';

const admin = (emulator: RunningEmulator, method: string, path: string, body?: unknown) =>
  call(emulator, method, path, { body, token: null });

describe('emulator admin endpoints', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator({ faults: { errorRate: 0.25 } });
  });
  after(async () => {
    await emulator.close();
  });

  it('reports health without auth', async () => {
    const health = await admin(emulator, 'GET', '/_emulator/health');
    assert.equal(health.status, 200);
    assert.equal(health.json.status, 'ok');
    assert.equal(health.json.persistent, false);
  });

  it('shows, changes and resets faults, refusing a bad value by name', async () => {
    assert.equal((await admin(emulator, 'GET', '/_emulator/faults')).json.errorRate, 0.25);
    const changed = await admin(emulator, 'PUT', '/_emulator/faults', {
      latencyMs: 5,
      match: { method: 'GET' },
    });
    assert.equal(changed.json.errorRate, 0.25, 'unmentioned faults stay');
    assert.equal(changed.json.latencyMs, 5);
    const refused = await admin(emulator, 'PUT', '/_emulator/faults', { errorRate: 2, bogus: true });
    assert.equal(refused.status, 400);
    const targets = refused.json.error.details.map((detail: { target: string }) => detail.target).sort();
    assert.deepEqual(targets, ['bogus', 'errorRate']);
    assert.match(refused.json.error.message, /errorRate: must be between 0 and 1/);
    assert.throws(() => emulator.setFaults({ throttleRate: -1 }), /throttleRate/);
    const reset = await admin(emulator, 'DELETE', '/_emulator/faults');
    assert.equal(reset.json.errorRate, 0);
    assert.equal(reset.json.match, undefined);
  });

  it('lists, filters and clears the request log', async () => {
    await admin(emulator, 'DELETE', '/_emulator/faults');
    assert.equal((await admin(emulator, 'DELETE', '/_emulator/requests')).status, 204);
    const uid = await createCluster(emulator);
    await call(emulator, 'GET', `/api/v1/clusters/${uid}?pretty=true`);
    const all = (await admin(emulator, 'GET', '/_emulator/requests')).json;
    assert.deepEqual(
      all.map((entry: { method: string; status: number; clusterId: string }) => [
        entry.method,
        entry.status,
        entry.clusterId,
      ]),
      [
        ['POST', 201, uid],
        ['GET', 200, uid],
      ],
    );
    assert.deepEqual(all[1].query, { pretty: 'true' });
    const mutating = (await admin(emulator, 'GET', '/_emulator/requests?mutating=true')).json;
    assert.equal(mutating.length, 1);
    assert.equal(mutating[0].committed, true);
    emulator.clearRequestLog();
    assert.deepEqual(emulator.requestLog(), []);
  });

  it('answers unknown admin paths with 404 in the envelope', async () => {
    const unknown = await admin(emulator, 'GET', '/_emulator/nothing');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'NotFound');
  });
});

describe('request log', () => {
  it('keeps only the newest entries once full', () => {
    const log = new RequestLog(3);
    for (let index = 0; index < 5; index++) {
      log.add({
        at: new Date(0).toISOString(),
        method: 'GET',
        path: `/${index}`,
        query: {},
        status: 200,
        mutating: false,
        committed: false,
        dropped: false,
        durationMs: 0,
      });
    }
    assert.deepEqual(
      log.list().map((entry) => entry.path),
      ['/2', '/3', '/4'],
    );
  });
});
