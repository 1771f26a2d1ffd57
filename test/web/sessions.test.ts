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

describe('OIDC sessions', () => {
  it('carry the person and the groups claim to another replica (or a restarted server) with the same secret', () => {
    const { cookieValue, session } = new SessionStore({ secret: SECRET }).create('dana@example.com', 'oidc', {
      groups: ['release-managers', 'staff'],
    });
    const restarted = new SessionStore({ secret: SECRET }).find(cookieValue);
    assert.deepEqual(
      { user: restarted?.user, via: restarted?.via, groups: restarted?.groups, csrf: restarted?.csrfToken },
      {
        user: 'dana@example.com',
        via: 'oidc',
        groups: ['release-managers', 'staff'],
        csrf: session.csrfToken,
      },
    );
  });

  it('refuse a cookie whose groups or person were changed, or that another secret signed', () => {
    const { cookieValue } = new SessionStore({ secret: SECRET }).create('frank@example.com', 'oidc', {
      groups: ['staff'],
    });
    const [payload, signature] = cookieValue.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    for (const changed of [{ groups: ['staff', 'release-managers'] }, { user: 'dana@example.com' }]) {
      const forged = Buffer.from(JSON.stringify({ ...claims, ...changed })).toString('base64url');
      assert.equal(new SessionStore({ secret: SECRET }).find(`${forged}.${signature}`), undefined);
    }
    assert.equal(new SessionStore({ secret: `${SECRET}-other` }).find(cookieValue), undefined);
    assert.equal(new SessionStore({ secret: SECRET }).find(payload), undefined);
  });

  it('expire after their own lifetime, never later than the store allows', () => {
    let now = 0;
    const store = new SessionStore({ secret: SECRET, ttlMs: 12 * 3_600_000, now: () => now });
    const short = store.create('dana@example.com', 'oidc', { ttlMs: 3_600_000 });
    const long = store.create('dana@example.com', 'oidc', { ttlMs: 48 * 3_600_000 });
    assert.equal(short.session.expiresAt, 3_600_000);
    assert.equal(long.session.expiresAt, 12 * 3_600_000);
    now = 3_600_001;
    const replica = new SessionStore({ secret: SECRET, now: () => now });
    assert.equal(replica.find(short.cookieValue), undefined);
    assert.equal(replica.find(long.cookieValue)?.user, 'dana@example.com');
    now = 12 * 3_600_000 + 1;
    assert.equal(replica.find(long.cookieValue), undefined);
  });

  it('seal the sign-in flow for one purpose only, and only until it expires', () => {
    let now = 0;
    const store = new SessionStore({ secret: SECRET, now: () => now });
    const sealed = store.seal('oidc-flow', { state: 's', nonce: 'n', codeVerifier: 'v' }, 600_000);
    assert.deepEqual(store.unseal('oidc-flow', sealed), { state: 's', nonce: 'n', codeVerifier: 'v' });
    assert.equal(store.unseal('other', sealed), undefined);
    assert.equal(store.find(sealed), undefined, 'a sealed flow is not a session');
    const { cookieValue } = store.create('dana@example.com', 'oidc');
    assert.equal(store.unseal('oidc-flow', cookieValue), undefined, 'a session is not a sealed flow');
    now = 600_001;
    assert.equal(store.unseal('oidc-flow', sealed), undefined);
  });
});
