import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEFAULTS, parseConfigText } from '../../src/config';
import { pendingRunbook } from './fake-temporal';
import { cookieFrom, csrfFrom, rawRequest, startTestWeb, type TestWeb } from './web-harness';

const alice = { 'X-Forwarded-User': 'alice' };

describe('approvals page', () => {
  let web: TestWeb;
  before(async () => {
    web = await startTestWeb();
  });
  after(() => web.server.close());

  it('lists a pending approval with its diff, requester, approvals so far, approvers and deadline', async () => {
    web.temporal.runbooks.set('lifecycle:clusters-example', pendingRunbook({}, 2));
    web.temporal.runbooks.get('lifecycle:clusters-example')!.pending!.approvals.push('bob');
    const page = await web.request('/approvals', { headers: alice });
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] ?? '', /text\/html; charset=utf-8/);
    assert.match(page.body, /Cluster clusters-example/);
    assert.match(
      page.body,
      /<td>spec\.data\.tier1\.replicas<\/td>\s*<td class="before">1<\/td>\s*<td class="after">2<\/td>/,
    );
    assert.match(page.body, /Asked by<\/dt>\s*<dd>carol, <time datetime="2030-01-01T00:00:00.000Z">/);
    assert.match(page.body, /<strong>1 of 2<\/strong>: bob/);
    assert.match(page.body, /Approvers<\/dt>\s*<dd>ops: alice, bob/);
    assert.match(
      page.body,
      /Times out<\/dt>\s*<dd><time datetime="2030-01-02T00:00:00.000Z">2030-01-02 00:00:00 UTC<\/time>/,
    );
    assert.match(page.body, /action="\/approvals\/lifecycle%3Aclusters-example\/decision"/);
    assert.match(page.body, /<button type="submit" class="approve">Approve plan v1<\/button>/);
    assert.match(page.body, /name="comment" maxlength="2000" required/);
    assert.match(page.body, /signed in as <strong>alice<\/strong>/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    web.temporal.runbooks.clear();
  });

  it('escapes every value it renders', async () => {
    const hostile = '<script>alert(1)</script>';
    web.temporal.runbooks.set(
      `lifecycle:"><img src=x onerror=alert(2)>`,
      pendingRunbook({
        clusterName: hostile,
        requester: `"><b>carol</b>`,
        reason: `it's <i>fine</i> & good`,
        changes: [{ path: 'metadata.name', kind: 'changed', before: hostile, after: { html: '<u>x</u>' } }],
      }),
    );
    const page = await web.request('/approvals', { headers: alice });
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /<script>|<img|<b>carol|<i>fine|<u>x/);
    assert.match(page.body, /Cluster &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(page.body, /&quot;&gt;&lt;b&gt;carol&lt;\/b&gt;/);
    assert.match(page.body, /it&#39;s &lt;i&gt;fine&lt;\/i&gt; &amp; good/);
    assert.match(page.body, /\{&quot;html&quot;:&quot;&lt;u&gt;x&lt;\/u&gt;&quot;\}/);
    assert.match(page.body, /data-runbook="lifecycle:&quot;&gt;&lt;img src=x onerror=alert\(2\)&gt;"/);
    web.temporal.runbooks.clear();
  });

  it('shows the recent decisions with who decided', async () => {
    const decided = pendingRunbook({ clusterName: 'old-cluster' });
    decided.state = 'approved';
    decided.running = false;
    decided.pending = undefined;
    decided.audit.outcome = 'approved';
    decided.audit.decisions.push({
      decider: 'bob',
      decision: 'approve',
      planVersion: 1,
      comment: 'looks right',
      at: '2030-01-01T00:30:00.000Z',
      via: 'update',
      outcome: 'counted',
    });
    web.temporal.runbooks.set('lifecycle:old-cluster', decided);
    const page = await web.request('/approvals', { headers: alice });
    assert.match(page.body, /Nothing waits for approval\./);
    assert.match(page.body, /<td>old-cluster<\/td>\s*<td class="outcome-approved">approved<\/td>/);
    assert.match(page.body, /bob approved v1 \(update\): “looks right”/);
    assert.match(page.body, /<td>ended<\/td>/);
    web.temporal.runbooks.clear();
  });

  it('shows one approval at its own address, and its audit once the gate has closed', async () => {
    web.temporal.runbooks.set('lifecycle:one', pendingRunbook({ clusterName: 'one' }));
    const open = await web.request('/approvals/lifecycle%3Aone', { headers: alice });
    assert.equal(open.status, 200);
    assert.match(open.body, /<h1>Approval for lifecycle:one<\/h1>/);
    assert.match(open.body, /name="return" value="\/approvals\/lifecycle%3Aone"/);
    const runbook = web.temporal.runbooks.get('lifecycle:one')!;
    runbook.pending = undefined;
    runbook.audit.outcome = 'rejected';
    runbook.audit.decisions.push({
      decider: 'mallory',
      decision: 'approve',
      planVersion: 1,
      at: '2030-01-01T00:10:00.000Z',
      via: 'signal',
      outcome: 'ignored',
      reason: 'mallory is not an approver',
    });
    const closed = await web.request('/approvals/lifecycle%3Aone', { headers: alice });
    assert.match(closed.body, /Nothing waits for approval in this runbook now\./);
    assert.match(closed.body, /outcome: <strong>rejected<\/strong>/);
    assert.match(
      closed.body,
      /<td>mallory<\/td>\s*<td>approve<\/td>\s*<td>v1<\/td>\s*<td>signal<\/td>\s*<td>ignored: mallory is not an approver<\/td>/,
    );
    web.temporal.runbooks.clear();
  });

  it('answers 404 for a runbook that does not exist and for an unknown page', async () => {
    const missing = await web.request('/approvals/lifecycle%3Anone', { headers: alice });
    assert.equal(missing.status, 404);
    assert.match(missing.body, /There is no runbook lifecycle:none\./);
    assert.equal((await web.request('/nowhere', { headers: alice })).status, 404);
    assert.equal((await web.request('/approvals/a/b/c', { headers: alice })).status, 404);
  });

  it('refuses malformed addresses and wrong methods with 4xx', async () => {
    assert.equal((await web.request('/approvals/%E0%A4%A', { headers: alice })).status, 400);
    assert.equal((await web.request('/approvals/a%00b', { headers: alice })).status, 400);
    const wrongMethod = await web.request('/approvals', { method: 'DELETE', headers: alice });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'GET');
    assert.equal((await web.request('/approvals/x/decision', { headers: alice })).status, 405);
  });

  it('answers 503 naming the cause when Temporal cannot be reached', async () => {
    web.temporal.unreachable = true;
    const page = await web.request('/approvals', { headers: alice });
    web.temporal.unreachable = false;
    assert.equal(page.status, 503);
    assert.match(
      page.body,
      /Cannot read the runbooks from Temporal \(namespace default\): 14 UNAVAILABLE: connection refused/,
    );
  });

  it('answers /healthz without sign-in and sends / to /approvals', async () => {
    const health = await web.request('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    const root = await web.request('/');
    assert.equal(root.status, 303);
    assert.equal(root.headers.location, '/approvals');
  });

  it('refuses a host name it does not answer to, as a DNS-rebinding page would send', async () => {
    const port = new URL(web.server.url).port;
    const answer = await rawRequest(`${web.server.url}/approvals`, {
      headers: { Host: `attacker.example:${port}`, 'X-Forwarded-User': 'alice' },
    });
    assert.equal(answer.status, 421);
    assert.match(answer.body, /does not answer to the host name &quot;attacker\.example:\d+&quot;/);
    const localhost = await rawRequest(`${web.server.url}/healthz`, {
      headers: { Host: `localhost:${port}` },
    });
    assert.equal(localhost.status, 200);
  });
});

describe('approvals page behind a configured auth proxy', () => {
  let web: TestWeb;
  before(async () => {
    const config = parseConfigText(
      'web:\n  publicUrl: https://approvals.example.com/\n  identityHeader: X-Auth-User\n  trustedProxies: [127.0.0.1, "::1"]\n',
      'test.yaml',
    );
    web = await startTestWeb({ config });
  });
  after(() => web.server.close());

  it('takes the identity from the configured header only', async () => {
    const page = await web.request('/approvals', { headers: { 'X-Auth-User': 'dave' } });
    assert.equal(page.status, 200);
    assert.match(page.body, /signed in as <strong>dave<\/strong>/);
    assert.match(page.headers['set-cookie']?.[0] ?? '', /; HttpOnly; SameSite=Strict; Secure; Max-Age=\d+$/);
    const otherHeader = await web.request('/approvals', { headers: { 'X-Forwarded-User': 'alice' } });
    assert.equal(otherHeader.status, 401);
    assert.match(otherHeader.body, /sets the <code>X-Auth-User<\/code> header/);
  });

  it('answers to its public host name and refuses an identity header that is not a user name', async () => {
    const answer = await rawRequest(`${web.server.url}/approvals`, {
      headers: { Host: 'approvals.example.com', 'X-Auth-User': 'dave' },
    });
    assert.equal(answer.status, 200);
    const bad = await web.request('/approvals', { headers: { 'X-Auth-User': '<dave>' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /the X-Auth-User header does not hold a user name/);
  });
});

describe('identity headers that nobody configured, or from addresses nobody trusts (the attack)', () => {
  let open: TestWeb;
  let elsewhere: TestWeb;
  const tokens = { alice: 'alice-login-token-0123456789', bob: 'bob-login-token-0123456789' };
  before(async () => {
    // The built-in defaults (the dev stack's): no identity header at all, token links only.
    open = await startTestWeb({ config: LOCAL_DEFAULTS, tokens });
    // A header configured, but its proxy lives elsewhere: loopback callers are not it.
    const config = parseConfigText(
      'web:\n  identityHeader: X-Forwarded-User\n  trustedProxies: [10.0.0.0/8]\n',
      'test.yaml',
    );
    elsewhere = await startTestWeb({ config, tokens });
  });
  after(async () => {
    await open.server.close();
    await elsewhere.server.close();
  });

  for (const [label, web] of [
    ['with the built-in defaults', () => open],
    ['from an address outside web.trustedProxies', () => elsewhere],
  ] as const) {
    it(`signs nobody in by X-Forwarded-User ${label}: 401 saying how to sign in`, async () => {
      const page = await web().request('/approvals', { headers: { 'X-Forwarded-User': 'alice' } });
      assert.equal(page.status, 401);
      assert.equal(page.headers['set-cookie'], undefined, 'no session for a forged header');
      assert.match(page.body, /personal login link/);
    });
  }

  it('names the ignored header when a proxy is configured but the request did not come through it', async () => {
    const page = await elsewhere.request('/approvals', { headers: { 'X-Forwarded-User': 'alice' } });
    assert.match(page.body, /The <code>X-Forwarded-User<\/code> header of this request was ignored/);
  });

  it('never lets a forged header change who a token session is: alice cannot approve as bob', async () => {
    open.temporal.runbooks.set('lifecycle:forged', pendingRunbook());
    const login = await open.request(`/login?token=${tokens.alice}`);
    const cookie = cookieFrom(login);
    const page = await open.request('/approvals', { headers: { Cookie: cookie, 'X-Forwarded-User': 'bob' } });
    assert.equal(page.status, 200);
    assert.match(page.body, /signed in as <strong>alice<\/strong>/);
    const csrf = csrfFrom(page);
    const answer = await open.postDecision(
      'lifecycle:forged',
      { csrf, decision: 'approve', planVersion: '1', comment: '' },
      { Cookie: cookie, 'X-Forwarded-User': 'bob' },
    );
    assert.equal(answer.status, 303, answer.body);
    assert.deepEqual(
      open.temporal.updates.map((update) => [update.request.decider, update.request.authenticatedBy]),
      [['alice', 'token-link']],
    );
  });
});
