import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_SECRET_VARIABLE, SessionStore, sessionSecretFromEnv } from '../../src/web/sessions';

const SECRET = 'a-secret-every-web-replica-shares-0123456789';

describe('sessions across web server replicas', () => {
  it('accepts on one replica a session another made with the same secret, with the same CSRF token', () => {
    const replicaA = new SessionStore({ secret: SECRET });
    const replicaB = new SessionStore({ secret: SECRET });
    const { cookieValue, session } = replicaA.create('alice', 'token');
    const onB = replicaB.find(cookieValue);
    assert.equal(onB?.user, 'alice');
    assert.equal(onB?.via, 'token');
    assert.equal(onB?.csrfToken, session.csrfToken);
  });

  it('refuses a cookie signed with another secret, or changed on the way', () => {
    const replicaA = new SessionStore({ secret: SECRET });
    const { cookieValue } = replicaA.create('alice', 'token');
    assert.equal(new SessionStore({ secret: `${SECRET}-other` }).find(cookieValue), undefined);
    assert.equal(new SessionStore().find(cookieValue), undefined);
    const [payload, signature] = cookieValue.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, user: 'mallory' })).toString('base64url');
    assert.equal(new SessionStore({ secret: SECRET }).find(`${forged}.${signature}`), undefined);
    assert.equal(new SessionStore({ secret: SECRET }).find(`${payload}.${signature}.x`), undefined);
  });

  it('refuses an expired session on every replica, and a signed-out one on the replica that signed it out', () => {
    let now = 1_000;
    const replicaA = new SessionStore({ secret: SECRET, ttlMs: 60_000, now: () => now });
    const replicaB = new SessionStore({ secret: SECRET, ttlMs: 60_000, now: () => now });
    const { cookieValue } = replicaA.create('bob', 'token');
    replicaA.end(cookieValue);
    assert.equal(replicaA.find(cookieValue), undefined);
    assert.equal(replicaB.find(cookieValue)?.user, 'bob');
    now += 60_001;
    assert.equal(replicaB.find(cookieValue), undefined);
  });

  it('takes the shared secret from the environment, refusing a short one by name', () => {
    assert.equal(sessionSecretFromEnv({}), undefined);
    assert.equal(sessionSecretFromEnv({ [SESSION_SECRET_VARIABLE]: SECRET }), SECRET);
    assert.throws(
      () => sessionSecretFromEnv({ [SESSION_SECRET_VARIABLE]: 'short' }),
      /IMPLY_RUNBOOKS_SESSION_SECRET is 5 characters: use at least 32/,
    );
  });
});
