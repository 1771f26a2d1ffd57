import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pendingRunbook } from './fake-temporal';
import { startTestWeb, type TestWeb } from './web-harness';

const RUNBOOK = 'lifecycle:clusters-example';

describe('decision form', () => {
  let web: TestWeb;
  let alice: { cookie: string; csrf: string };
  let headers: Record<string, string>;
  before(async () => {
    web = await startTestWeb({ updateTimeoutMs: 200 });
  });
  after(() => web.server.close());
  beforeEach(async () => {
    web.temporal.runbooks.clear();
    web.temporal.updates.length = 0;
    web.temporal.runbooks.set(RUNBOOK, pendingRunbook());
    alice = await web.signInByHeader('alice');
    headers = { Cookie: alice.cookie, 'X-Forwarded-User': 'alice' };
  });

  const approve = (extra: Record<string, string> = {}) => ({
    decision: 'approve',
    planVersion: '1',
    comment: 'fine by me',
    csrf: alice.csrf,
    ...extra,
  });

  it('approves through the update with a fixed update id, then redirects back with 303', async () => {
    const answer = await web.postDecision(
      RUNBOOK,
      approve({ return: '/approvals/lifecycle%3Aclusters-example' }),
      headers,
    );
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.location, '/approvals/lifecycle%3Aclusters-example');
    assert.deepEqual(web.temporal.updates, [
      {
        runbookId: RUNBOOK,
        request: {
          decider: 'alice',
          decision: 'approve',
          planVersion: 1,
          comment: 'fine by me',
          authenticatedBy: 'proxy-header',
        },
        updateId: 'approve:plan-1:alice',
      },
    ]);
    const next = await web.request(answer.headers.location!, { headers });
    assert.match(
      next.body,
      /You approved plan v1 of lifecycle:clusters-example: the gate is approved \(1 of 1 approvals\)\./,
    );
    assert.match(next.body, /Nothing waits for approval in this runbook now\./);
    const again = await web.request('/approvals', { headers });
    assert.doesNotMatch(again.body, /You approved plan/, 'the message shows once');
    assert.ok(
      web.logs.some(
        (line) => line === `[web] alice approve ${RUNBOOK} plan v1: accepted, gate approved (1 of 1)`,
      ),
    );
  });

  it('rejects with the reason as comment and redirects to the list by default', async () => {
    const answer = await web.postDecision(
      RUNBOOK,
      approve({ decision: 'reject', comment: 'not during the freeze' }),
      headers,
    );
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.location, '/approvals');
    assert.equal(web.temporal.updates[0]?.request.comment, 'not during the freeze');
    assert.equal(web.temporal.runbooks.get(RUNBOOK)?.state, 'rejected');
  });

  it("shows the validator's reason when the update refuses the decision", async () => {
    const carol = await web.signInByHeader('carol');
    const answer = await web.postDecision(RUNBOOK, approve({ csrf: carol.csrf }), {
      Cookie: carol.cookie,
      'X-Forwarded-User': 'carol',
    });
    assert.equal(answer.status, 409);
    assert.match(answer.body, /carol is not an approver of this change/);
    const stale = await web.postDecision(RUNBOOK, approve({ planVersion: '7' }), headers);
    assert.equal(stale.status, 409);
    assert.match(stale.body, /plan v7 is superseded by v1/);
    assert.deepEqual(web.temporal.updates, []);
  });

  it('refuses a form without the session’s CSRF token, or from a session of someone else', async () => {
    const missing = await web.postDecision(RUNBOOK, approve({ csrf: '' }), headers);
    assert.equal(missing.status, 403);
    assert.match(missing.body, /the form is stale or was not made by this page/);
    const bob = await web.signInByHeader('bob');
    const wrongToken = await web.postDecision(RUNBOOK, approve({ csrf: bob.csrf }), headers);
    assert.equal(wrongToken.status, 403);
    const otherUser = await web.postDecision(RUNBOOK, approve(), {
      Cookie: alice.cookie,
      'X-Forwarded-User': 'bob',
    });
    assert.equal(otherUser.status, 403);
    assert.match(otherUser.body, /Your session has ended or belongs to someone else/);
    const noCookie = await web.postDecision(RUNBOOK, approve(), { 'X-Forwarded-User': 'alice' });
    assert.equal(noCookie.status, 403);
    assert.deepEqual(web.temporal.updates, []);
  });

  it('refuses a form posted from another origin, or with neither Origin nor Referer', async () => {
    const crossSite = await web.postDecision(RUNBOOK, approve(), {
      ...headers,
      Origin: 'http://evil.example',
    });
    assert.equal(crossSite.status, 403);
    assert.match(crossSite.body, /posted from &quot;http:\/\/evil\.example&quot;, not from this page/);
    const opaque = await web.postDecision(RUNBOOK, approve(), { ...headers, Origin: 'null' });
    assert.equal(opaque.status, 403);
    const body = new URLSearchParams(approve()).toString();
    const path = `/approvals/${encodeURIComponent(RUNBOOK)}/decision`;
    const contentType = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const neither = await web.request(path, {
      method: 'POST',
      headers: { ...headers, ...contentType },
      body,
    });
    assert.equal(neither.status, 403);
    assert.match(neither.body, /neither an Origin nor a Referer/);
    const foreignReferer = { ...headers, ...contentType, Referer: 'http://evil.example/page' };
    assert.equal((await web.request(path, { method: 'POST', headers: foreignReferer, body })).status, 403);
    assert.deepEqual(web.temporal.updates, []);
    const sameSiteReferer = { ...headers, ...contentType, Referer: `${web.server.url}/approvals` };
    assert.equal((await web.request(path, { method: 'POST', headers: sameSiteReferer, body })).status, 303);
  });

  it('refuses malformed input with 4xx and keeps serving', async () => {
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [approve({ decision: 'maybe' }), 400, /&quot;decision&quot; must be approve or reject/],
      [approve({ planVersion: 'abc' }), 400, /&quot;planVersion&quot; must be the plan version shown/],
      [approve({ planVersion: '0' }), 400, /&quot;planVersion&quot;/],
      [approve({ decision: 'reject', comment: '  ' }), 400, /A rejection needs a reason/],
      [approve({ comment: 'x'.repeat(2001) }), 400, /longer than 2000 characters/],
    ];
    for (const [fields, status, message] of cases) {
      const answer = await web.postDecision(RUNBOOK, fields, headers);
      assert.equal(answer.status, status, JSON.stringify(fields).slice(0, 80));
      assert.match(answer.body, message);
    }
    const repeated = `${new URLSearchParams(approve()).toString()}&decision=reject`;
    const path = `/approvals/${encodeURIComponent(RUNBOOK)}/decision`;
    const form = { ...headers, Origin: web.server.url, 'Content-Type': 'application/x-www-form-urlencoded' };
    const twice = await web.request(path, { method: 'POST', headers: form, body: repeated });
    assert.equal(twice.status, 400);
    assert.match(twice.body, /&quot;decision&quot; appears more than once/);
    const json = await web.request(path, {
      method: 'POST',
      headers: { ...form, 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 415);
    const huge = await web.request(path, {
      method: 'POST',
      headers: form,
      body: `comment=${'x'.repeat(40_000)}`,
    });
    assert.equal(huge.status, 413);
    assert.deepEqual(web.temporal.updates, []);
    assert.equal((await web.request('/healthz')).status, 200);
  });

  it('answers 404 when the runbook has ended, and 504 with advice when no worker takes the decision', async () => {
    const gone = await web.postDecision('lifecycle:gone', approve(), headers);
    assert.equal(gone.status, 404);
    assert.match(gone.body, /no runbook lifecycle:gone is running/);
    web.temporal.noWorker = true;
    const waiting = await web.postDecision(RUNBOOK, approve(), headers);
    web.temporal.noWorker = false;
    assert.equal(waiting.status, 504);
    assert.match(waiting.body, /is a worker running\? Sending the same decision again is safe\./);
  });
});
