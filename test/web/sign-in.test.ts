import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEFAULTS, webSettings } from '../../src/config';
import { ensureTokens, loginLink, tokensFromEnv, writeLoginLinks } from '../../src/web/tokens';
import { pendingRunbook } from './fake-temporal';
import { cookieFrom, csrfFrom, startTestWeb, type TestWeb } from './web-harness';

const ALICE_TOKEN = 'web-alice-0123456789abcdef';
const BOB_TOKEN = 'web-bob-fedcba9876543210';

describe('token sign-in', () => {
  let web: TestWeb;
  before(async () => {
    web = await startTestWeb({ tokens: { alice: ALICE_TOKEN, bob: BOB_TOKEN } });
    web.temporal.runbooks.set('lifecycle:clusters-example', pendingRunbook());
  });
  after(() => web.server.close());

  it('answers 401 saying how to sign in when nobody is identified', async () => {
    const page = await web.request('/approvals');
    assert.equal(page.status, 401);
    assert.match(page.body, /sets the <code>X-Forwarded-User<\/code> header/);
    assert.match(page.body, /personal login link, <code>\/login\?token=…<\/code>/);
    assert.doesNotMatch(page.body, /Cluster clusters-example/);
  });

  it('signs in with a login link: an HttpOnly, SameSite=Strict cookie, then a same-site hop to the list', async () => {
    const login = await web.request(`/login?token=${encodeURIComponent(ALICE_TOKEN)}`);
    assert.equal(login.status, 200);
    assert.match(
      login.headers['set-cookie']?.[0] ?? '',
      /^imply_runbooks_session=[\w-]+\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    assert.equal(login.headers['referrer-policy'], 'no-referrer');
    assert.match(login.body, /<meta http-equiv="refresh" content="0;url=\/approvals" \/>/);
    assert.doesNotMatch(login.body, new RegExp(ALICE_TOKEN));
    const page = await web.request('/approvals', { headers: { Cookie: cookieFrom(login) } });
    assert.equal(page.status, 200);
    assert.match(page.body, /signed in as <strong>alice<\/strong>/);
    assert.match(page.body, /Cluster clusters-example/);
  });

  it('decides as the token user, with the CSRF token of that session', async () => {
    const cookie = cookieFrom(await web.request(`/login?token=${encodeURIComponent(BOB_TOKEN)}`));
    const page = await web.request('/approvals', { headers: { Cookie: cookie } });
    const form = new URLSearchParams({
      decision: 'approve',
      planVersion: '1',
      csrf: csrfFrom(page),
    }).toString();
    const answer = await web.request('/approvals/lifecycle%3Aclusters-example/decision', {
      method: 'POST',
      headers: {
        Cookie: cookie,
        Origin: web.server.url,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: form,
    });
    assert.equal(answer.status, 303);
    assert.equal(web.temporal.updates[0]?.request.decider, 'bob');
  });

  it('refuses a wrong or missing token, and never logs a token', async () => {
    const wrong = await web.request('/login?token=not-a-token');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
    assert.match(wrong.body, /This login link is not valid/);
    assert.equal((await web.request('/login')).status, 400);
    const forged = await web.request('/approvals', { headers: { Cookie: 'imply_runbooks_session=made-up' } });
    assert.equal(forged.status, 401);
    const logs = web.logs.join('\n');
    assert.match(logs, /alice signed in with a token/);
    for (const token of [ALICE_TOKEN, BOB_TOKEN, 'not-a-token']) assert.doesNotMatch(logs, new RegExp(token));
  });
});

describe('local login tokens', () => {
  it('keeps a token set in the environment and makes one for every other configured user', () => {
    const settings = webSettings(LOCAL_DEFAULTS);
    const env = { IMPLY_RUNBOOKS_TOKEN_ALICE: 'chosen-by-alice' };
    assert.deepEqual(tokensFromEnv(settings, env), {
      tokens: { alice: 'chosen-by-alice' },
      missing: [{ user: 'bob', variable: 'IMPLY_RUNBOOKS_TOKEN_BOB' }],
    });
    const { tokens, exports } = ensureTokens(settings, env);
    assert.equal(tokens.alice, 'chosen-by-alice');
    assert.match(tokens.bob ?? '', /^web-[\w-]{32}$/);
    assert.deepEqual(exports, {
      IMPLY_RUNBOOKS_TOKEN_ALICE: 'chosen-by-alice',
      IMPLY_RUNBOOKS_TOKEN_BOB: tokens.bob,
    });
  });

  it('writes the login links to a file only its owner can read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-logins-'));
    try {
      const file = path.join(dir, 'web-logins.txt');
      writeLoginLinks(file, 'http://127.0.0.1:8787/', { alice: 'a+b/c' });
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.match(
        fs.readFileSync(file, 'utf8'),
        /^alice: http:\/\/127\.0\.0\.1:8787\/login\?token=a%2Bb%2Fc$/m,
      );
      assert.equal(loginLink('http://h:1', 'x'), 'http://h:1/login?token=x');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
