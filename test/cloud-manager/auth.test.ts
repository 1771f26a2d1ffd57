import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { MockAgent } from 'undici';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClientCredentialsTokenProvider,
  FileTokenProvider,
  StaticTokenProvider,
  tokenProviderFromEnv,
} from '../../src/cloud-manager/auth';
import {
  CloudManagerContractViolation,
  CloudManagerError,
  CloudManagerRejected,
  CloudManagerServerError,
  CloudManagerUnavailable,
} from '../../src/cloud-manager/errors';
import { JSON_HEADERS, mockAgent } from './fixtures';

const SECRET = 'client-secret-xyz-987';
const ID_ORIGIN = 'https://id.imply.io';
const TOKEN_PATH = '/auth/realms/acme/protocol/openid-connect/token';

function assertSecretFree(error: unknown, ...secrets: string[]): true {
  assert.ok(error instanceof CloudManagerError, `expected a CloudManagerError, got ${String(error)}`);
  for (const text of [error.message, JSON.stringify(error)]) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `secret leaked: ${text}`);
  }
  return true;
}

describe('ClientCredentialsTokenProvider', () => {
  let agent: MockAgent;
  let clock: number;

  beforeEach(() => {
    agent = mockAgent();
    clock = 1_000_000;
  });
  afterEach(async () => {
    await agent.close();
  });

  function provider(options: { refreshMarginMs?: number } = {}) {
    return new ClientCredentialsTokenProvider({
      clientId: 'abc',
      clientSecret: SECRET,
      organization: 'acme',
      dispatcher: agent,
      now: () => clock,
      ...options,
    });
  }
  function grant(token: string, expiresIn = 300) {
    agent
      .get(ID_ORIGIN)
      .intercept({ method: 'POST', path: TOKEN_PATH })
      .reply(200, JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' }), {
        headers: JSON_HEADERS,
      });
  }
  function tokenCalls() {
    return agent.getCallHistory()?.calls() ?? [];
  }

  it('posts the client-credentials form to the organization realm', async () => {
    grant('first');
    assert.equal(await provider().getToken(), 'first');
    const [call] = tokenCalls();
    assert.equal(call?.method, 'POST');
    assert.equal(call?.path, TOKEN_PATH);
    assert.equal(call?.headers?.['content-type'], 'application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(call?.body ?? ''));
    assert.deepEqual(form, { grant_type: 'client_credentials', client_id: 'abc', client_secret: SECRET });
  });

  it('fetches the token once and serves it from the cache', async () => {
    grant('first');
    const tokens = provider();
    assert.equal(await tokens.getToken(), 'first');
    clock += 200_000;
    assert.equal(await tokens.getToken(), 'first');
    assert.equal(tokenCalls().length, 1);
  });

  it('fetches a new token when the cached one is within the margin of expiry', async () => {
    grant('first', 300);
    grant('second', 300);
    const tokens = provider({ refreshMarginMs: 60_000 });
    assert.equal(await tokens.getToken(), 'first');
    clock += 239_000;
    assert.equal(await tokens.getToken(), 'first');
    clock += 2_000;
    assert.equal(await tokens.getToken(), 'second');
    assert.equal(tokenCalls().length, 2);
  });

  it('lets concurrent callers share one fetch', async () => {
    grant('shared');
    const tokens = provider();
    const results = await Promise.all(Array.from({ length: 5 }, () => tokens.getToken()));
    assert.deepEqual(results, Array(5).fill('shared'));
    assert.equal(tokenCalls().length, 1);
  });

  it('fetches again after invalidate, as the client does on a 401', async () => {
    grant('first');
    grant('second');
    const tokens = provider();
    assert.equal(await tokens.getToken(), 'first');
    tokens.invalidate();
    assert.equal(await tokens.getToken(), 'second');
  });

  it('refuses bad credentials without revealing the secret, even when echoed', async () => {
    const body = { error: 'unauthorized_client', error_description: `Invalid client secret ${SECRET}` };
    agent.get(ID_ORIGIN).intercept({ method: 'POST', path: TOKEN_PATH }).reply(401, JSON.stringify(body));
    await assert.rejects(provider().getToken(), (error) => {
      assert.ok(error instanceof CloudManagerRejected);
      assert.equal(error.code, 'unauthorized_client');
      assert.match(error.message, /OAuth client 'abc' of organization 'acme'/);
      assert.match(error.message, /IMPLY_CLIENT_SECRET/);
      return assertSecretFree(error, SECRET);
    });
  });

  it('classifies server trouble and network failures as retryable', async () => {
    const pool = agent.get(ID_ORIGIN);
    pool.intercept({ method: 'POST', path: TOKEN_PATH }).reply(500, 'oops');
    const refused = Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' });
    pool.intercept({ method: 'POST', path: TOKEN_PATH }).replyWithError(refused);
    const tokens = provider();
    await assert.rejects(
      tokens.getToken(),
      (error) => error instanceof CloudManagerServerError && assertSecretFree(error, SECRET),
    );
    await assert.rejects(tokens.getToken(), (error) => {
      assert.ok(error instanceof CloudManagerUnavailable);
      assert.match(error.message, /ECONNREFUSED/);
      assert.match(error.message, /IMPLY_TOKEN_URL/);
      return assertSecretFree(error, SECRET);
    });
  });

  it('rejects an answer without access_token as a contract violation', async () => {
    agent
      .get(ID_ORIGIN)
      .intercept({ method: 'POST', path: TOKEN_PATH })
      .reply(200, JSON.stringify({ expires_in: 60 }));
    await assert.rejects(provider().getToken(), CloudManagerContractViolation);
  });

  it('describes itself without the secret', () => {
    assert.equal(provider().describe(), "OAuth client 'abc' of organization 'acme'");
    assert.ok(!new StaticTokenProvider('tok-123456').describe().includes('tok-123456'));
  });
});

describe('tokenProviderFromEnv', () => {
  it('uses IMPLY_TOKEN when the client-credentials trio is incomplete', async () => {
    const provider = tokenProviderFromEnv({ IMPLY_TOKEN: 'tok-1', IMPLY_CLIENT_ID: 'abc' });
    assert.ok(provider instanceof StaticTokenProvider);
    assert.equal(provider.renewable, false);
    assert.equal(await provider.getToken(), 'tok-1');
  });

  it('prefers client credentials over a static token, since only they can be renewed', () => {
    const provider = tokenProviderFromEnv({
      IMPLY_TOKEN: 'tok-1',
      IMPLY_TOKEN_FILE: '/nonexistent/token',
      IMPLY_CLIENT_ID: 'abc',
      IMPLY_CLIENT_SECRET: SECRET,
      IMPLY_ORGANIZATION: 'acme',
    });
    assert.ok(provider instanceof ClientCredentialsTokenProvider);
    assert.equal(provider.renewable, true);
  });

  it('reads IMPLY_TOKEN_FILE on every use, so a rotated token is picked up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-file-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'first-token\n', { mode: 0o600 });
    const provider = tokenProviderFromEnv({ IMPLY_TOKEN: 'static', IMPLY_TOKEN_FILE: file });
    assert.ok(provider instanceof FileTokenProvider);
    assert.equal(await provider.getToken(), 'first-token');
    writeFileSync(file, 'second-token');
    assert.equal(await provider.getToken(), 'second-token');
    writeFileSync(file, '  ');
    await assert.rejects(provider.getToken(), /IMPLY_TOKEN_FILE .* is empty/);
    rmSync(dir, { recursive: true, force: true });
    await assert.rejects(provider.getToken(), /IMPLY_TOKEN_FILE .* cannot be read \(ENOENT\)/);
  });

  it('uses the client-credentials trio and IMPLY_TOKEN_URL', async () => {
    const agent = mockAgent();
    agent
      .get('http://127.0.0.1:9999')
      .intercept({ method: 'POST', path: '/token' })
      .reply(200, JSON.stringify({ access_token: 'from-env', expires_in: 300 }));
    const env = {
      IMPLY_CLIENT_ID: 'abc',
      IMPLY_CLIENT_SECRET: SECRET,
      IMPLY_ORGANIZATION: 'acme',
      IMPLY_TOKEN_URL: 'http://127.0.0.1:9999/token',
    };
    const provider = tokenProviderFromEnv(env, agent);
    assert.ok(provider instanceof ClientCredentialsTokenProvider);
    assert.equal(await provider.getToken(), 'from-env');
    await agent.close();
  });

  it('says which variables to set when credentials are missing', () => {
    assert.throws(
      () => tokenProviderFromEnv({ IMPLY_CLIENT_ID: 'abc', IMPLY_CLIENT_SECRET: SECRET }),
      (error: Error) => {
        assert.match(error.message, /IMPLY_TOKEN/);
        assert.match(error.message, /missing: IMPLY_ORGANIZATION/);
        assert.ok(!error.message.includes(SECRET));
        return true;
      },
    );
  });

  it('names IMPLY_TOKEN_URL when it is not a URL', () => {
    const env = {
      IMPLY_CLIENT_ID: 'a',
      IMPLY_CLIENT_SECRET: SECRET,
      IMPLY_ORGANIZATION: 'o',
      IMPLY_TOKEN_URL: 'nope',
    };
    assert.throws(() => tokenProviderFromEnv(env), /IMPLY_TOKEN_URL 'nope' is not a URL/);
  });
});
