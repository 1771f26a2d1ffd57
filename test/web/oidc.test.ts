import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEFAULTS, parseConfigText, type Config } from '../../src/config';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { isReturnPath } from '../../src/web/identity';
import { SESSION_COOKIE, SessionStore } from '../../src/web/sessions';
import { FakeTemporal, pendingRunbook } from './fake-temporal';
import { csrfFrom, rawRequest } from './web-harness';

/** The page with web.oidc over the fake Temporal; no provider is reached (the e2e test signs in through one). */

const SECRET = 'a-secret-every-web-replica-shares-0123456789';
const RUNBOOK = 'lifecycle:clusters-example';

function oidcConfig(extra = ''): Config {
  return parseConfigText(
    `web:\n  oidc:\n    issuer: http://127.0.0.1:9\n    clientId: runbooks\n    groupsClaim: groups\n${extra}`,
  );
}

function start(
  config: Config,
  temporal = new FakeTemporal(),
  options: { sessionSecret?: string; env?: NodeJS.ProcessEnv } = {},
) {
  // Not from a file: the server's own address is its public URL.
  return startWebServer({
    port: 0,
    client: temporal,
    namespace: 'default',
    config: { ...config, source: undefined },
    sessionSecret: SECRET,
    ...options,
  });
}

describe('approvals page with web.oidc', () => {
  let server: RunningWebServer;
  const temporal = new FakeTemporal();
  const sessions = new SessionStore({ secret: SECRET });
  before(async () => {
    temporal.runbooks.set(RUNBOOK, pendingRunbook());
    server = await start(oidcConfig(), temporal);
  });
  after(() => server.close());

  it('refuses to start without a shared session secret, naming the variable', async () => {
    await assert.rejects(
      start(oidcConfig(), new FakeTemporal(), { sessionSecret: undefined }),
      /web\.oidc is configured, so sessions must survive a restart and work on every replica: set IMPLY_RUNBOOKS_SESSION_SECRET/,
    );
  });

  it('refuses to start when the client secret variable is not set, naming it', async () => {
    await assert.rejects(
      start(oidcConfig('    clientSecretEnv: IMPLY_RUNBOOKS_OIDC_SECRET\n'), new FakeTemporal(), { env: {} }),
      /web\.oidc\.clientSecretEnv: the environment variable IMPLY_RUNBOOKS_OIDC_SECRET is not set/,
    );
    const withSecret = await start(
      oidcConfig('    clientSecretEnv: IMPLY_RUNBOOKS_OIDC_SECRET\n'),
      new FakeTemporal(),
      {
        env: { IMPLY_RUNBOOKS_OIDC_SECRET: 'from-the-provider' },
      },
    );
    await withSecret.close();
  });

  it('offers "Sign in with <issuer host>" on the sign-in page, coming back to the page asked for', async () => {
    const page = await rawRequest(`${server.url}/approvals`);
    assert.equal(page.status, 401);
    assert.match(
      page.body,
      /<a class="sign-in" href="\/auth\/sign-in\?next=%2Fapprovals">Sign in with 127\.0\.0\.1:9<\/a>/,
    );
    const one = await rawRequest(`${server.url}/approvals/${encodeURIComponent(RUNBOOK)}`);
    assert.match(one.body, /href="\/auth\/sign-in\?next=%2Fapprovals%2Flifecycle%253Aclusters-example"/);
  });

  it('says the provider cannot be reached when discovery fails, and refuses a callback without its flow cookie', async () => {
    const signIn = await rawRequest(`${server.url}/auth/sign-in`);
    assert.equal(signIn.status, 503);
    assert.match(signIn.body, /Cannot reach the OpenID Connect provider http:\/\/127\.0\.0\.1:9/);
    const callback = await rawRequest(`${server.url}/auth/callback?code=abc&state=xyz`);
    assert.equal(callback.status, 401);
    assert.match(callback.body, /The sign-in took too long or began in another browser/);
    assert.match(
      callback.headers['set-cookie']?.[0] ?? '',
      /^imply_runbooks_oidc=; Path=\/auth\/callback; HttpOnly; SameSite=Lax; Max-Age=0$/,
    );
  });

  it('sends a decision from an OIDC session with its groups and authenticatedBy oidc', async () => {
    const { cookieValue } = sessions.create('dana@example.com', 'oidc', { groups: ['ops', 'staff'] });
    const cookie = `${SESSION_COOKIE}=${cookieValue}`;
    const page = await rawRequest(`${server.url}/approvals`, { headers: { Cookie: cookie } });
    assert.equal(page.status, 200);
    assert.match(page.body, /signed in as <strong>dana@example\.com<\/strong>/);
    assert.doesNotMatch(page.body, /not among the approvers/);
    const answer = await rawRequest(`${server.url}/approvals/${encodeURIComponent(RUNBOOK)}/decision`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ decision: 'approve', planVersion: '1', csrf: csrfFrom(page) }).toString(),
    });
    assert.equal(answer.status, 303, answer.body);
    assert.deepEqual(temporal.updates.at(-1)?.request, {
      decider: 'dana@example.com',
      decision: 'approve',
      planVersion: 1,
      authenticatedBy: 'oidc',
      groups: ['ops', 'staff'],
    });
  });
});

describe('the page to return to after an OIDC sign-in', () => {
  it('is one of the approvals or operations pages, never another site or path', () => {
    for (const path of ['/approvals', '/approvals/lifecycle%3Aclusters-example', '/clusters', '/savings'])
      assert.ok(isReturnPath(path), path);
    for (const path of [
      '//evil.example',
      '/approvals//evil.example',
      'https://evil.example/approvals',
      '/approvals/x/decision',
      '/healthz',
      '/approvals/a b',
      '/approvals\\evil',
      '/clusters/default/x/power',
      '/clusters//evil.example',
    ]) {
      assert.equal(isReturnPath(path), false, path);
    }
  });
});

describe('approvals page without web.oidc', () => {
  it('offers no OIDC sign-in, answers 404 on its paths, and takes no OIDC session', async () => {
    const server = await startWebServer({
      port: 0,
      client: new FakeTemporal(),
      namespace: 'default',
      config: LOCAL_DEFAULTS,
      tokens: { alice: 'web-alice-0123456789abcdef' },
      sessionSecret: SECRET,
    });
    try {
      const { cookieValue } = new SessionStore({ secret: SECRET }).create('dana@example.com', 'oidc');
      const page = await rawRequest(`${server.url}/approvals`, {
        headers: { Cookie: `${SESSION_COOKIE}=${cookieValue}` },
      });
      assert.equal(page.status, 401);
      assert.doesNotMatch(page.body, /Sign in with/);
      assert.equal((await rawRequest(`${server.url}/auth/sign-in`)).status, 404);
      assert.equal((await rawRequest(`${server.url}/auth/callback`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
