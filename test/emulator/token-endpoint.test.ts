import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { TokenRegistry } from '../../src/emulator/auth';
import { emulatorTokenUrl, startEmulator, type RunningEmulator } from '../../src/emulator/server';

const SECRET = 'emulator-client-secret';

async function grant(
  url: string,
  form: Record<string, string>,
  contentType = 'application/x-www-form-urlencoded',
) {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

async function listWith(emulator: RunningEmulator, token: string): Promise<number> {
  const response = await request(`${emulator.apiUrl}/clusters`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body.dump();
  return response.statusCode;
}

describe('emulator OAuth token endpoint (client-credentials grant over HTTP)', () => {
  let emulator: RunningEmulator;
  let tokenUrl: string;
  before(async () => {
    emulator = await startEmulator({
      oauthClients: [{ clientId: 'runbooks', clientSecret: SECRET }],
      tokenTtlSeconds: 300,
    });
    tokenUrl = emulatorTokenUrl(emulator.url, 'acme');
  });
  after(async () => {
    await emulator?.close();
  });

  it('grants a bearer token with expires_in to a known client, and the API accepts it', async () => {
    const answer = await grant(tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'runbooks',
      client_secret: SECRET,
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.expires_in, 300);
    assert.equal(answer.body.token_type, 'Bearer');
    assert.equal(typeof answer.body.access_token, 'string');
    assert.equal(await listWith(emulator, answer.body.access_token as string), 200);
  });

  it('refuses a wrong secret with invalid_client and never echoes it', async () => {
    const answer = await grant(tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'runbooks',
      client_secret: 'wrong-secret-123',
    });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error, 'invalid_client');
    assert.ok(!JSON.stringify(answer.body).includes('wrong-secret-123'));
  });

  it('refuses other grant types and bodies that are not a form', async () => {
    const password = await grant(tokenUrl, { grant_type: 'password', client_id: 'runbooks' });
    assert.equal(password.status, 400);
    assert.equal(password.body.error, 'unsupported_grant_type');
    const json = await grant(tokenUrl, { grant_type: 'client_credentials' }, 'application/json');
    assert.equal(json.status, 400);
    assert.equal(json.body.error, 'invalid_request');
  });

  it('serves no default static token when only OAuth clients are configured', async () => {
    assert.equal(await listWith(emulator, 'emulator-token'), 401);
  });
});

describe('emulator tokens that expire', () => {
  it('answers 401 "expired" once a granted token outlives its lifetime', () => {
    let now = 1_000_000;
    const registry = new TokenRegistry([], [{ clientId: 'c', clientSecret: SECRET }], 3, () => now);
    const issued = registry.issue('c', SECRET);
    assert.ok(issued);
    assert.equal(issued.expiresIn, 3);
    registry.check(`Bearer ${issued.token}`);
    now += 2_999;
    registry.check(`Bearer ${issued.token}`);
    now += 1;
    assert.throws(() => registry.check(`Bearer ${issued.token}`), /has expired/);
    assert.equal(registry.issue('c', 'not-the-secret'), undefined);
    assert.equal(registry.issue('unknown', SECRET), undefined);
  });

  it('gives a static token a lifetime from the start when asked', () => {
    let now = 5_000;
    const registry = new TokenRegistry(
      [{ token: 'short', ttlSeconds: 1 }, { token: 'forever' }],
      [],
      300,
      () => now,
    );
    registry.check('Bearer short');
    now += 1_000;
    assert.throws(() => registry.check('Bearer short'), /has expired/);
    registry.check('Bearer forever');
    assert.throws(() => new TokenRegistry([{ token: 'x', ttlSeconds: 0 }]), /positive number of seconds/);
  });
});
