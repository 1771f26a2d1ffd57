import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { CloudManagerClient } from '../../src/cloud-manager/client';
import type { Cluster } from '../../src/cloud-manager/schemas/cluster';
import { loadConfiguredPrices } from '../../src/config/prices';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { FakeTemporal } from './fake-temporal';
import { BEHIND_LOCAL_PROXY, cookieFrom, rawRequest, type Answer } from './web-harness';

/** The operations pages over a fake Temporal client and a fake Cloud Manager API: who sees and may press what. */

const CLUSTER = {
  metadata: { uid: 'uid-1', name: 'orders' },
  spec: {
    version: '2024.09',
    master: { replicas: 1, instanceType: 'm5.large' },
    awsTags: [{ name: 'team', value: 'orders' }],
  },
  status: { state: 'RUNNING', resourceVersion: 4 },
} as unknown as Cluster;

async function* nothing() {}

describe('operations pages over HTTP', () => {
  let server: RunningWebServer;
  const started: Array<{ workflowType: string; options: { workflowId: string; args: unknown[] } }> = [];
  const logs: string[] = [];
  const client = {
    workflow: {
      list: () => nothing(),
      start: async (workflowType: string, options: { workflowId: string; args: unknown[] }) => {
        started.push({ workflowType, options });
        return { workflowId: options.workflowId, firstExecutionRunId: 'run-1' };
      },
    },
    schedule: { list: () => nothing() },
  } as unknown as Client;
  const api = {
    listClusters: async () => [CLUSTER],
    getCluster: async () => CLUSTER,
  } as unknown as CloudManagerClient;

  before(async () => {
    const config = {
      ...BEHIND_LOCAL_PROXY,
      web: { ...BEHIND_LOCAL_PROXY.web, roles: { operators: ['olga'] } },
    };
    server = await startWebServer({
      port: 0,
      client: new FakeTemporal(),
      namespace: 'default',
      config,
      log: (line) => logs.push(line),
      operations: {
        client,
        namespace: 'default',
        baseTaskQueue: 'imply-runbooks',
        apis: { default: api, staging: { problem: 'the variable STAGING_TOKEN is not set' } },
        prices: loadConfiguredPrices(config),
      },
    });
  });
  after(async () => {
    await server?.close();
  });

  const get = (path: string, user: string) =>
    rawRequest(`${server.url}${path}`, {
      headers: { Host: new URL(server.url).host, 'X-Forwarded-User': user },
    });
  const post = (path: string, user: string, cookie: string, body: string, origin = server.url) =>
    rawRequest(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        Host: new URL(server.url).host,
        'X-Forwarded-User': user,
        Cookie: cookie,
        Origin: origin,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body,
    });
  const csrfOf = (page: Answer) => /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';

  it('shows an operator the cluster with its buttons, under a CSP that allows only its own script', async () => {
    const page = await get('/clusters', 'olga');
    assert.equal(page.status, 200);
    assert.match(page.body, /data-cluster="orders"/);
    assert.match(page.body, /<button\s+type="submit"\s+class="stop"/);
    assert.match(page.body, /Cannot list the clusters of staging: the variable STAGING_TOKEN is not set/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self';/);
    assert.doesNotMatch(page.body, /<script>/);
    const script = await get('/static/operations.js', 'olga');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
  });

  it('shows a viewer no buttons and refuses their forged stop', async () => {
    const page = await get('/clusters', 'vic');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /<button\s+type="submit"\s+class="(stop|start|keep)"/);
    assert.doesNotMatch(page.body, /<form method="post"/);
    const refused = await post(
      '/clusters/default/uid-1/power',
      'vic',
      cookieFrom(page),
      'csrf=x&action=stop',
    );
    assert.equal(refused.status, 403);
    assert.match(refused.body, /vic is a viewer here and this needs the operator role/);
    assert.equal(started.length, 0);
  });

  it('refuses an operator form without the CSRF token or from another origin', async () => {
    const page = await get('/clusters', 'olga');
    const cookie = cookieFrom(page);
    const noToken = await post('/clusters/default/uid-1/power', 'olga', cookie, 'action=stop');
    assert.equal(noToken.status, 403);
    const body = `csrf=${encodeURIComponent(csrfOf(page))}&action=stop`;
    const crossSite = await post(
      '/clusters/default/uid-1/power',
      'olga',
      cookie,
      body,
      'https://evil.example',
    );
    assert.equal(crossSite.status, 403);
    assert.equal(started.length, 0);
  });

  it('starts the power runbook and the keep-alive as the operator, and logs who', async () => {
    const page = await get('/clusters', 'olga');
    const cookie = cookieFrom(page);
    const csrf = encodeURIComponent(csrfOf(page));
    const stop = await post('/clusters/default/uid-1/power', 'olga', cookie, `csrf=${csrf}&action=stop`);
    assert.equal(stop.status, 303);
    assert.equal(stop.headers.location, '/clusters');
    const keep = await post(
      '/clusters/default/uid-1/keep-alive',
      'olga',
      cookie,
      `csrf=${csrf}&preset=4h&tz=UTC&reason=${encodeURIComponent('load test')}`,
    );
    assert.equal(keep.status, 303);
    assert.deepEqual(
      started.map((entry) => [entry.workflowType, entry.options.workflowId]),
      [
        ['powerRunbook', 'change:uid-1'],
        ['keepAliveRunbook', 'keepalive:uid-1'],
      ],
    );
    assert.equal((started[0]!.options.args[0] as { requester: string }).requester, 'olga');
    assert.equal((started[1]!.options.args[0] as { setBy: string }).setBy, 'olga');
    const noReason = await post(
      '/clusters/default/uid-1/keep-alive',
      'olga',
      cookie,
      `csrf=${csrf}&preset=2h`,
    );
    assert.equal(noReason.status, 400);
    assert.ok(logs.some((line) => line === '[web] olga started stop of orders'));
    assert.ok(logs.some((line) => /^\[web\] olga kept orders alive until .*: load test$/.test(line)));
    const flashed = await rawRequest(`${server.url}/clusters`, {
      headers: { Host: new URL(server.url).host, 'X-Forwarded-User': 'olga', Cookie: cookie },
    });
    assert.match(flashed.body, /orders stays up through scheduled stops until/);
  });
});
