import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connection } from '@temporalio/client';
import { parseConfigText } from '../../src/config';
import type { RunningEmulator } from '../../src/emulator/server';
import { cachedEnvironmentApi } from '../../src/triggers/trigger-environments';
import { parseTriggerPayload, PayloadProblem } from '../../src/triggers/trigger-payload';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { FakeTemporal } from '../web/fake-temporal';
import { startTriggerEmulator, unreachableTemporal } from './trigger-harness';
import { rawRequest } from '../web/web-harness';
import { TUTORIAL_CLUSTER } from '../helpers/e2e';

const TRIGGER_TOKEN = 'trigger-token-0123456789abcdef';
const DEFAULT_TOKEN = 'default-token-0123456789';
const PROD_TOKEN = 'prod-token-0123456789';

describe('the environment of a change trigger', () => {
  it("reads our body's environment and an alert's imply_environment label, and refuses a non-name", () => {
    const own = parseTriggerPayload({
      cluster: 'orders',
      set: ['data.tier1.replicas=4'],
      environment: 'prod',
    });
    assert.equal(own.triggers[0]?.environment, 'prod');
    assert.equal(
      parseTriggerPayload({ cluster: 'orders', set: ['data.tier1.replicas=4'] }).triggers[0]?.environment,
      undefined,
    );
    const alerts = parseTriggerPayload({
      version: '4',
      alerts: [
        {
          status: 'firing',
          labels: { cluster: 'orders', set: 'data.tier1.replicas=4', imply_environment: 'eu' },
        },
      ],
    });
    assert.equal(alerts.triggers[0]?.environment, 'eu');
    assert.throws(
      () => parseTriggerPayload({ cluster: 'orders', set: ['data.tier1.replicas=4'], environment: 7 }),
      (error: unknown) =>
        error instanceof PayloadProblem &&
        error.message === 'environment: name the Imply environment, e.g. "prod", or leave it out',
    );
  });

  describe('over HTTP (real web server and two emulators; refusals before Temporal)', () => {
    let defaultEmulator: RunningEmulator;
    let prodEmulator: RunningEmulator;
    let web: RunningWebServer;
    let withoutProdToken: RunningWebServer;
    let connection: Connection;

    before(async () => {
      const [main, prod] = await Promise.all([
        startTriggerEmulator(DEFAULT_TOKEN),
        startTriggerEmulator(PROD_TOKEN),
      ]);
      defaultEmulator = main.emulator;
      prodEmulator = prod.emulator;
      const api = main.api;
      const prodApi = prod.api;
      const config = parseConfigText(`
environments:
  prod: { apiUrl: "${prodEmulator.apiUrl}", auth: { tokenEnv: IMPLY_TEST_PROD_TOKEN } }
policies:
  - name: orders-policy
    match: { name: orders-prod }
    bounds: { data.tier1: { maxReplicas: 6 } }
`);
      await prodApi.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name: 'orders-prod' } });
      // Never reached: each request is refused before a runbook would be started.
      const temporal = unreachableTemporal();
      connection = temporal.connection;
      const client = temporal.client;
      const triggers = {
        api,
        client,
        taskQueue: 'imply-runbooks',
        secrets: { token: TRIGGER_TOKEN },
      };
      const common = { port: 0, client: new FakeTemporal(), namespace: 'default', config, log: () => {} };
      web = await startWebServer({
        ...common,
        triggers: {
          ...triggers,
          environmentApi: cachedEnvironmentApi({ IMPLY_TEST_PROD_TOKEN: PROD_TOKEN }),
        },
      });
      withoutProdToken = await startWebServer({
        ...common,
        triggers: { ...triggers, environmentApi: cachedEnvironmentApi({}) },
      });
    });
    after(async () => {
      await web?.close();
      await withoutProdToken?.close();
      await connection?.close();
      await defaultEmulator?.close();
      await prodEmulator?.close();
    });

    const post = (body: unknown, server = web) =>
      rawRequest(`${server.url}/api/triggers/scale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TRIGGER_TOKEN}` },
        body: JSON.stringify(body),
      });
    const scale = { cluster: 'orders-prod', set: { 'data.tier1.replicas': 12 } };

    it("finds the cluster in its own environment's API only", async () => {
      const inProd = await post({ ...scale, environment: 'prod' });
      assert.equal(inProd.status, 422, inProd.body);
      assert.match(
        JSON.parse(inProd.body).refused,
        /policy "orders-policy": data\.tier1\.replicas 12 is above maxReplicas 6/,
      );
      const inDefault = await post(scale);
      assert.equal(inDefault.status, 404, inDefault.body);
      assert.match(JSON.parse(inDefault.body).refused, /no cluster has the uid or name "orders-prod"/);
      assert.ok(prodEmulator.requestLog().length > 0 && defaultEmulator.requestLog().length > 0);
      for (const entry of [...prodEmulator.requestLog(), ...defaultEmulator.requestLog()]) {
        assert.notEqual(
          entry.status,
          401,
          `${entry.method} ${entry.path} was sent another environment's token`,
        );
      }
    });

    it('refuses an unknown environment with 400, naming the known ones', async () => {
      const answer = await post({ ...scale, environment: 'qa' });
      assert.equal(answer.status, 400);
      assert.match(
        JSON.parse(answer.body).refused,
        /environment: "qa" is not a configured environment \(known: default, prod\)/,
      );
    });

    it("answers 503 naming the variable when this server lacks the environment's credentials", async () => {
      const answer = await post({ ...scale, environment: 'prod' }, withoutProdToken);
      assert.equal(answer.status, 503);
      assert.match(
        JSON.parse(answer.body).refused,
        /cannot act in environment "prod": environment "prod": the variable IMPLY_TEST_PROD_TOKEN .* is not set/,
      );
    });
  });
});
