import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connection } from '@temporalio/client';
import { LOCAL_DEFAULTS, parseConfigText } from '../../src/config';
import type { RunningEmulator } from '../../src/emulator/server';
import { signatureHeaders } from '../../src/triggers/trigger-signature';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { FakeTemporal } from '../web/fake-temporal';
import { startTriggerEmulator, unreachableTemporal } from './trigger-harness';
import { rawRequest, type Answer } from '../web/web-harness';
import { TUTORIAL_CLUSTER } from '../helpers/e2e';

const TOKEN = 'trigger-token-0123456789abcdef';
const SECRET = 'trigger-secret-0123456789abcdef';
const CONFIG = parseConfigText(`
policies:
  - name: orders-policy
    match: { name: orders }
    bounds: { data.tier1: { maxReplicas: 6 } }
`);

describe('the trigger endpoint over HTTP (real web server and emulator; refusals before Temporal)', () => {
  let emulator: RunningEmulator;
  let web: RunningWebServer;
  let closed: RunningWebServer;
  let connection: Connection;
  const logs: string[] = [];

  before(async () => {
    const started = await startTriggerEmulator('emulator-token-0123456789');
    emulator = started.emulator;
    const api = started.api;
    await api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name: 'orders' } });
    const temporal = unreachableTemporal();
    connection = temporal.connection;
    const client = temporal.client;
    const triggers = {
      api,
      client,
      taskQueue: 'unused',
      secrets: { token: TOKEN, hmacSecret: SECRET },
    };
    const common = {
      port: 0,
      client: new FakeTemporal(),
      namespace: 'default',
      log: (line: string) => logs.push(line),
    };
    web = await startWebServer({ ...common, config: CONFIG, triggers });
    closed = await startWebServer({ ...common, config: LOCAL_DEFAULTS });
  });
  after(async () => {
    await web?.close();
    await closed?.close();
    await connection?.close();
    await emulator?.close();
  });

  const post = (
    body: string,
    headers: Record<string, string> = {},
    path = '/api/triggers/scale',
    server = web,
  ) =>
    rawRequest(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body,
    });
  const errorOf = (answer: Answer) => JSON.parse(answer.body) as { error?: string; refused?: string };

  it('refuses what it will not do with a 4xx that says why, and keeps serving', async () => {
    const get = await rawRequest(`${web.url}/api/triggers/scale`);
    assert.deepEqual([get.status, get.headers.allow], [405, 'POST']);
    assert.equal((await post('{}', {}, '/api/triggers/resize')).status, 404);
    assert.equal((await post('cluster=orders', { 'content-type': 'text/plain' })).status, 415);
    const anonymous = await post('{}', { authorization: '', host: 'alertmanager.internal:9093' });
    assert.deepEqual([anonymous.status, anonymous.headers['www-authenticate']], [401, 'Bearer']);
    assert.match(
      errorOf(anonymous).error ?? '',
      /authenticate with Authorization: Bearer <IMPLY_RUNBOOKS_TRIGGER_TOKEN>/,
    );
    assert.equal((await post('x'.repeat(300 * 1024))).status, 413);
    const garbage = await post('{"cluster": ');
    assert.deepEqual([garbage.status, errorOf(garbage).error], [400, 'the body is not valid JSON']);
    const noCluster = await post('{"set": {"data.tier1.replicas": 2}}');
    assert.deepEqual(
      [noCluster.status, errorOf(noCluster).error],
      [400, 'cluster: name the cluster by uid or name'],
    );
    const unknown = await post('{"cluster": "nope", "set": {"data.tier1.replicas": 2}}');
    assert.equal(unknown.status, 404);
    assert.match(errorOf(unknown).refused ?? '', /no cluster has the uid or name "nope"/);
    const health = await rawRequest(`${web.url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('refuses a scale outside the policy bounds with 422 and the rule, before any runbook starts', async () => {
    const answer = await post('{"cluster": "orders", "set": {"data.tier1.replicas": 12}}');
    assert.equal(answer.status, 422);
    const body = JSON.parse(answer.body) as { refused: string; rule: string; format: string };
    assert.equal(
      body.refused,
      'policy "orders-policy": data.tier1.replicas 12 is above maxReplicas 6 (bounds.data.tier1.maxReplicas)',
    );
    assert.deepEqual([body.rule, body.format], ['bounds', 'json']);
  });

  it('accepts a fresh HMAC signature in place of the token, refuses its replay, and never echoes a secret', async () => {
    const body = '{"cluster": "nope", "set": ["data.tier1.replicas=2"]}';
    const headers = { authorization: '', ...signatureHeaders(body, SECRET) };
    const signed = await post(body, headers);
    assert.equal(signed.status, 404);
    assert.match(errorOf(signed).refused ?? '', /no cluster has the uid or name "nope"/);
    const replayed = await post(body, headers);
    assert.equal(replayed.status, 409);
    assert.match(
      errorOf(replayed).error ?? '',
      /^replayed: this X-Imply-Runbooks-Signature was accepted already/,
    );
    assert.ok(logs.some((line) => /refused \(409\): replayed/.test(line)));
    const forged = await post(body, { authorization: '', ...signatureHeaders(body, 'another-secret-value') });
    assert.deepEqual([forged.status, forged.headers['www-authenticate']], [401, 'Bearer']);
    const stale = await post(body, {
      authorization: '',
      ...signatureHeaders(body, SECRET, Date.now() - 10 * 60_000),
    });
    assert.equal(stale.status, 401);
    assert.match(
      errorOf(stale).error ?? '',
      /X-Imply-Runbooks-Timestamp \d+ is \d+ s behind the server's clock \(server time \d+, .*\); it must be within 5m/,
    );
    const { 'x-imply-runbooks-signature': unstamped } = signatureHeaders(body, SECRET);
    const missing = await post(body, { authorization: '', 'x-imply-runbooks-signature': unstamped });
    assert.equal(missing.status, 401);
    assert.match(
      errorOf(missing).error ?? '',
      /needs X-Imply-Runbooks-Timestamp: send X-Imply-Runbooks-Timestamp/,
    );
    for (const text of [signed.body, replayed.body, forged.body, stale.body, missing.body, logs.join('\n')]) {
      assert.ok(!text.includes(TOKEN) && !text.includes(SECRET));
    }
  });

  it('answers 503 with what to set when the server was started without triggers', async () => {
    const answer = await post(
      '{"cluster": "orders", "set": {"data.tier1.replicas": 2}}',
      {},
      '/api/triggers/scale',
      closed,
    );
    assert.equal(answer.status, 503);
    assert.match(
      errorOf(answer).error ?? '',
      /IMPLY_RUNBOOKS_TRIGGER_TOKEN or IMPLY_RUNBOOKS_TRIGGER_SECRET/,
    );
  });
});
