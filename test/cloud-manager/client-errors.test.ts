import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { MockAgent } from 'undici';
import { ClientCredentialsTokenProvider, StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import {
  CloudManagerError,
  CloudManagerRejected,
  CloudManagerServerError,
  CloudManagerThrottled,
  CloudManagerUnavailable,
  ClusterBusy,
} from '../../src/cloud-manager/errors';
import { API_BASE, API_ORIGIN, CLUSTER_ID, JSON_HEADERS, mockAgent, tutorialCluster } from './fixtures';

const TOKEN = 'tok-abc-123-very-secret';
const SECRET = 'client-secret-xyz-987';
const PATH = `/api/v1/clusters/${CLUSTER_ID}`;

function envelope(code: string, message: string, details?: unknown[]) {
  return JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } });
}

/** Asserts the error is secret-free in its message and in its JSON form, and returns it. */
function secretFree(error: unknown): CloudManagerError {
  assert.ok(error instanceof CloudManagerError, `expected a CloudManagerError, got ${String(error)}`);
  for (const text of [error.message, JSON.stringify(error)]) {
    assert.ok(!text.includes(TOKEN), `token leaked: ${text}`);
    assert.ok(!text.includes(SECRET), `secret leaked: ${text}`);
  }
  return error;
}

const cases: Array<{
  name: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  type: new (...args: never[]) => CloudManagerError;
  check?: (error: CloudManagerError) => void;
}> = [
  {
    name: '400 keeps the details',
    status: 400,
    body: envelope('BadArgument', 'bad body', [
      { code: 'NullValue', target: 'metadata.name', message: 'required' },
    ]),
    type: CloudManagerRejected,
    check: (error) => {
      assert.deepEqual(error.details, [{ code: 'NullValue', target: 'metadata.name', message: 'required' }]);
      assert.match(error.message, /metadata\.name: required/);
    },
  },
  {
    name: '401 says how to fix the credentials',
    status: 401,
    body: envelope('Unauthorized', 'bad token'),
    type: CloudManagerRejected,
    check: (error) => {
      assert.match(
        error.message,
        /static token \(IMPLY_TOKEN\): check that it is the right one; if it was, it has expired or was revoked/,
      );
      assert.match(error.message, /IMPLY_CLIENT_ID, IMPLY_CLIENT_SECRET and IMPLY_ORGANIZATION/);
      assert.match(error.message, /IMPLY_TOKEN_FILE/);
    },
  },
  {
    name: '401 with a bare expired-token message',
    status: 401,
    body: JSON.stringify({ message: 'The token expired' }),
    type: CloudManagerRejected,
    check: (error) => assert.match(error.message, /token expired/),
  },
  { name: '403', status: 403, body: envelope('Unauthorized', 'no role'), type: CloudManagerRejected },
  {
    name: '404',
    status: 404,
    body: envelope('NotFound', 'Cluster not found'),
    type: CloudManagerRejected,
    check: (error) => assert.equal(error.code, 'NotFound'),
  },
  { name: '409 is a busy cluster', status: 409, body: envelope('StateConflict', 'busy'), type: ClusterBusy },
  { name: '415', status: 415, body: envelope('UnsupportedMediaType', 'x'), type: CloudManagerRejected },
  {
    name: '429 keeps Retry-After',
    status: 429,
    body: envelope('TooManyRequests', 'slow down'),
    headers: { 'retry-after': '7' },
    type: CloudManagerThrottled,
    check: (error) => assert.equal(error.retryAfterMs, 7000),
  },
  {
    name: '503 with Retry-After is throttling',
    status: 503,
    body: envelope('ServiceUnavailable', 'later'),
    headers: { 'retry-after': '2' },
    type: CloudManagerThrottled,
    check: (error) => assert.equal(error.retryAfterMs, 2000),
  },
  {
    name: '503 without Retry-After',
    status: 503,
    body: envelope('ServiceUnavailable', 'x'),
    type: CloudManagerServerError,
  },
  { name: '500', status: 500, body: envelope('InternalError', 'oops'), type: CloudManagerServerError },
  {
    name: 'a non-JSON error body',
    status: 502,
    body: '<html><body>Bad Gateway</body></html>',
    type: CloudManagerServerError,
    check: (error) => assert.match(error.message, /Bad Gateway/),
  },
  {
    name: 'an error body that echoes the token',
    status: 400,
    body: envelope('BadArgument', `bad header Bearer ${TOKEN}`, [{ target: 'h', message: TOKEN }]),
    type: CloudManagerRejected,
  },
];

describe('CloudManagerClient errors', () => {
  let agent: MockAgent;
  let client: CloudManagerClient;

  beforeEach(() => {
    agent = mockAgent();
    client = new CloudManagerClient({
      baseUrl: API_BASE,
      auth: new StaticTokenProvider(TOKEN),
      dispatcher: agent,
    });
  });
  afterEach(async () => {
    await agent.close();
  });

  for (const testCase of cases) {
    it(`maps ${testCase.name} to ${testCase.type.name}`, async () => {
      agent
        .get(API_ORIGIN)
        .intercept({ method: 'GET', path: PATH })
        .reply(testCase.status, testCase.body, { headers: { ...JSON_HEADERS, ...testCase.headers } });
      await assert.rejects(client.getCluster(CLUSTER_ID), (thrown) => {
        const error = secretFree(thrown);
        assert.ok(error instanceof testCase.type, `got ${error.type}`);
        assert.equal(error.status, testCase.status);
        assert.equal(error.operation, 'GET /clusters/{id}');
        testCase.check?.(error);
        return true;
      });
    });
  }

  it('answers a 401 with a fresh client-credentials token and one more try, inside one call', async () => {
    const tokens = agent.get('https://id.imply.io');
    const tokenPath = '/auth/realms/acme/protocol/openid-connect/token';
    tokens
      .intercept({ method: 'POST', path: tokenPath })
      .reply(200, { access_token: TOKEN, expires_in: 300 });
    tokens
      .intercept({ method: 'POST', path: tokenPath })
      .reply(200, { access_token: 'second', expires_in: 300 });
    const api = agent.get(API_ORIGIN);
    api.intercept({ method: 'GET', path: PATH }).reply(401, JSON.stringify({ message: 'token expired' }));
    api.intercept({ method: 'GET', path: PATH }).reply(200, tutorialCluster(), { headers: JSON_HEADERS });
    const auth = new ClientCredentialsTokenProvider({
      clientId: 'abc',
      clientSecret: SECRET,
      organization: 'acme',
      dispatcher: agent,
    });
    const withCredentials = new CloudManagerClient({ baseUrl: API_BASE, auth, dispatcher: agent });

    const cluster = await withCredentials.getCluster(CLUSTER_ID);
    assert.equal(cluster.metadata.uid, CLUSTER_ID);
    const authorizations = (agent.getCallHistory()?.calls() ?? [])
      .filter((call) => call.origin === API_ORIGIN)
      .map((call) => call.headers?.authorization);
    assert.deepEqual(authorizations, [`Bearer ${TOKEN}`, 'Bearer second']);
  });

  it('fails a second 401 after a fresh token, naming the client, without a third try', async () => {
    const tokens = agent.get('https://id.imply.io');
    const tokenPath = '/auth/realms/acme/protocol/openid-connect/token';
    tokens
      .intercept({ method: 'POST', path: tokenPath })
      .reply(200, { access_token: TOKEN, expires_in: 300 });
    tokens
      .intercept({ method: 'POST', path: tokenPath })
      .reply(200, { access_token: 'second', expires_in: 300 });
    const api = agent.get(API_ORIGIN);
    api
      .intercept({ method: 'GET', path: PATH })
      .reply(401, JSON.stringify({ message: 'no' }))
      .times(2);
    const auth = new ClientCredentialsTokenProvider({
      clientId: 'abc',
      clientSecret: SECRET,
      organization: 'acme',
      dispatcher: agent,
    });
    const withCredentials = new CloudManagerClient({ baseUrl: API_BASE, auth, dispatcher: agent });

    await assert.rejects(withCredentials.getCluster(CLUSTER_ID), (thrown) => {
      const error = secretFree(thrown);
      assert.ok(error instanceof CloudManagerRejected);
      assert.match(
        error.message,
        /refused OAuth client 'abc' of organization 'acme' even after a fresh token/,
      );
      return true;
    });
    const calls = (agent.getCallHistory()?.calls() ?? []).filter((call) => call.origin === API_ORIGIN);
    assert.equal(calls.length, 2);
  });

  it('maps a transport error to CloudManagerUnavailable by its code', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    agent.get(API_ORIGIN).intercept({ method: 'GET', path: PATH }).replyWithError(reset);
    await assert.rejects(client.getCluster(CLUSTER_ID), (thrown) => {
      const error = secretFree(thrown);
      assert.ok(error instanceof CloudManagerUnavailable);
      assert.match(error.message, /ECONNRESET/);
      return true;
    });
  });
});

describe('CloudManagerClient over real sockets', () => {
  const silentServers: ReturnType<typeof createHttpServer>[] = [];
  afterEach(async () => {
    for (const server of silentServers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function listen(server: Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    return address.port;
  }

  it('reports a refused connection as CloudManagerUnavailable', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const closed = new CloudManagerClient({
      baseUrl: `http://127.0.0.1:${port}/api/v1`,
      auth: new StaticTokenProvider(TOKEN),
    });
    await assert.rejects(closed.listClusters(), (thrown) => {
      const error = secretFree(thrown);
      assert.ok(error instanceof CloudManagerUnavailable);
      assert.equal(error.retryable, true);
      assert.match(error.message, /ECONNREFUSED/);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });

  it('gives up on a server that never answers, as CloudManagerUnavailable', async () => {
    const silent = createHttpServer(() => {});
    silentServers.push(silent);
    const port = await listen(silent);
    const client = new CloudManagerClient({
      baseUrl: `http://127.0.0.1:${port}/api/v1`,
      auth: new StaticTokenProvider(TOKEN),
      requestTimeoutMs: 100,
    });
    await assert.rejects(client.listClusters(), (thrown) => {
      const error = secretFree(thrown);
      assert.ok(error instanceof CloudManagerUnavailable);
      assert.match(error.message, /UND_ERR_HEADERS_TIMEOUT/);
      return true;
    });
  });
});
