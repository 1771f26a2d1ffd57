import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { SeenSignatures } from '../../src/triggers/seen-signatures';
import {
  signatureHeaders,
  signatureToleranceFromEnv,
  signBody,
  SignatureVerifier,
  type AuthProblem,
} from '../../src/triggers/trigger-signature';
import { triggerOptionsFromEnv } from '../../src/triggers/trigger-setup';

const SECRET = 'trigger-secret-0123456789abcdef';
const BODY = Buffer.from('{"cluster": "orders", "set": {"data.tier1.replicas": 4}}');
/** 2023-11-14T22:13:20Z */
const T0 = 1_700_000_000;

/** A verifier whose clock the test moves. */
function verifierAt(seconds: number, options: { toleranceMs?: number; maxSeen?: number } = {}) {
  const clock = { ms: seconds * 1000 };
  const verifier = new SignatureVerifier({ secret: SECRET, now: () => clock.ms, ...options });
  return { verifier, clock };
}

function signed(timestamp: number, body = BODY, secret = SECRET) {
  return { signature: signBody(body, secret, timestamp), timestamp: String(timestamp) };
}

function refusal(problem: AuthProblem | undefined): AuthProblem {
  assert.ok(problem, 'refused');
  assert.ok(!problem.message.includes(SECRET), 'the message never echoes the secret');
  return problem;
}

describe('signed triggers: HMAC-SHA256 over "v1:<timestamp>:<body>"', () => {
  it('signs exactly the string v1:<timestamp>:<body>, hex after sha256=', () => {
    const expected = createHmac('sha256', SECRET)
      .update(`v1:${T0}:${BODY.toString('utf8')}`)
      .digest('hex');
    assert.equal(signBody(BODY, SECRET, T0), `sha256=${expected}`);
    assert.equal(signBody(BODY.toString('utf8'), SECRET, String(T0)), `sha256=${expected}`);
    assert.deepEqual(signatureHeaders(BODY, SECRET, T0 * 1000 + 999), {
      'x-imply-runbooks-timestamp': String(T0),
      'x-imply-runbooks-signature': `sha256=${expected}`,
    });
  });

  it('accepts a fresh request signed with the secret, in upper- or lowercase hex', () => {
    const { verifier } = verifierAt(T0 + 2);
    const { signature, timestamp } = signed(T0);
    assert.equal(verifier.check(signature, timestamp, BODY), undefined);
    const other = signed(T0 + 1);
    assert.equal(
      verifier.check(other.signature.toUpperCase().replace('SHA256=', 'sha256='), other.timestamp, BODY),
      undefined,
    );
  });

  it('refuses a signature made with another secret, or over another body, without echoing the secret', () => {
    const { verifier } = verifierAt(T0);
    const wrongSecret = signed(T0, BODY, 'another-secret-0123456789');
    const forged = refusal(verifier.check(wrongSecret.signature, wrongSecret.timestamp, BODY));
    assert.equal(forged.status, 401);
    assert.match(
      forged.message,
      /X-Imply-Runbooks-Signature signature does not match the timestamp and body/,
    );
    assert.match(forged.message, /"v1:<timestamp>:<body>"/);
    const good = signed(T0);
    const otherBody = refusal(
      verifier.check(good.signature, good.timestamp, Buffer.from('{"cluster": "billing"}')),
    );
    assert.equal(otherBody.status, 401);
    // The timestamp is inside the signature: moving it breaks it.
    assert.equal(refusal(verifier.check(good.signature, String(T0 + 1), BODY)).status, 401);
  });

  it('refuses a stale timestamp naming the header, the tolerance and the server time', () => {
    const { verifier } = verifierAt(T0 + 301);
    const { signature, timestamp } = signed(T0);
    const stale = refusal(verifier.check(signature, timestamp, BODY));
    assert.equal(stale.status, 401);
    assert.equal(
      stale.message,
      `the X-Imply-Runbooks-Timestamp ${T0} is 301 s behind the server's clock ` +
        `(server time ${T0 + 301}, 2023-11-14T22:18:21.000Z); it must be within 5m ` +
        `(IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE): sign each request as you send it, with the current time, ` +
        `and check the sender's clock`,
    );
  });

  it('accepts a timestamp exactly at the tolerance, and refuses one a second past it in the future', () => {
    const { verifier } = verifierAt(T0, { toleranceMs: 60_000 });
    const edge = signed(T0 - 60);
    assert.equal(verifier.check(edge.signature, edge.timestamp, BODY), undefined);
    const ahead = signed(T0 + 61);
    const future = refusal(verifier.check(ahead.signature, ahead.timestamp, BODY));
    assert.equal(future.status, 401);
    assert.match(
      future.message,
      /is 61 s ahead of the server's clock \(server time 1700000000, .*\); it must be within 1m /,
    );
  });

  it('refuses a signature without a timestamp, saying how to sign', () => {
    const { verifier } = verifierAt(T0);
    const { signature } = signed(T0);
    for (const timestamp of [undefined, '', '  ']) {
      const missing = refusal(verifier.check(signature, timestamp, BODY));
      assert.equal(missing.status, 401);
      assert.equal(
        missing.message,
        'X-Imply-Runbooks-Signature needs X-Imply-Runbooks-Timestamp: send X-Imply-Runbooks-Timestamp: ' +
          '<Unix time in seconds> and X-Imply-Runbooks-Signature: sha256=<hex HMAC-SHA256, keyed with ' +
          'IMPLY_RUNBOOKS_TRIGGER_SECRET, of "v1:<timestamp>:<body>">',
      );
    }
  });

  it('refuses a timestamp that is not Unix seconds (milliseconds, a date)', () => {
    const { verifier } = verifierAt(T0);
    for (const timestamp of [String(T0 * 1000), '2023-11-14T22:13:20Z', '-5', '17e8']) {
      const bad = refusal(verifier.check(signBody(BODY, SECRET, timestamp), timestamp, BODY));
      assert.equal(bad.status, 401);
      assert.match(
        bad.message,
        /^X-Imply-Runbooks-Timestamp ".*" is not a Unix time in seconds \(as `date \+%s` prints, e\.g\. 1700000000\)$/,
      );
    }
  });

  it('refuses the old body-only signature with the new scheme, with or without a timestamp', () => {
    const { verifier } = verifierAt(T0);
    const bodyOnly = `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`;
    for (const timestamp of [undefined, String(T0)]) {
      const old = refusal(verifier.check(bodyOnly, timestamp, BODY));
      assert.equal(old.status, 401);
      assert.match(
        old.message,
        /^the X-Imply-Runbooks-Signature signs the body alone, a scheme no longer accepted/,
      );
      assert.match(old.message, /"v1:<timestamp>:<body>"/);
    }
  });

  it('refuses a replay of an accepted request with 409, while a new timestamp or body is accepted', () => {
    const { verifier, clock } = verifierAt(T0);
    const first = signed(T0);
    assert.equal(verifier.check(first.signature, first.timestamp, BODY), undefined);
    clock.ms += 30_000;
    const replay = refusal(verifier.check(first.signature, first.timestamp, BODY));
    assert.equal(replay.status, 409);
    assert.match(
      replay.message,
      /^replayed: this X-Imply-Runbooks-Signature was accepted already, at 2023-11-14T22:13:20\.000Z;/,
    );
    const later = signed(T0 + 30);
    assert.equal(verifier.check(later.signature, later.timestamp, BODY), undefined);
    const otherBody = Buffer.from('{"cluster": "orders", "set": {"data.tier1.replicas": 5}}');
    const sameSecond = signed(T0, otherBody);
    assert.equal(verifier.check(sameSecond.signature, sameSecond.timestamp, otherBody), undefined);
    assert.equal(verifier.rememberedCount, 3);
  });

  it('forgets an accepted signature once its timestamp leaves the window: a replay then is refused as stale', () => {
    const { verifier, clock } = verifierAt(T0, { toleranceMs: 60_000 });
    const first = signed(T0);
    assert.equal(verifier.check(first.signature, first.timestamp, BODY), undefined);
    clock.ms = (T0 + 60) * 1000;
    assert.equal(verifier.rememberedCount, 1);
    assert.equal(refusal(verifier.check(first.signature, first.timestamp, BODY)).status, 409);
    clock.ms += 1;
    assert.equal(verifier.rememberedCount, 0);
    const stale = refusal(verifier.check(first.signature, first.timestamp, BODY));
    assert.equal(stale.status, 401);
    assert.match(stale.message, /is 60 s behind the server's clock/);
  });

  it('refuses new signatures with 429 and a retry time when the cache is full, instead of forgetting one', () => {
    const { verifier, clock } = verifierAt(T0, { toleranceMs: 60_000, maxSeen: 2 });
    for (const timestamp of [T0 - 50, T0 - 10]) {
      const request = signed(timestamp);
      assert.equal(verifier.check(request.signature, request.timestamp, BODY), undefined);
    }
    const third = signed(T0);
    const full = refusal(verifier.check(third.signature, third.timestamp, BODY));
    assert.deepEqual([full.status, full.retryAfterSeconds], [429, 11]);
    assert.equal(full.message, 'too many signed triggers within 1m: try again in 11 s');
    const replay = signed(T0 - 50);
    assert.equal(refusal(verifier.check(replay.signature, replay.timestamp, BODY)).status, 409);
    clock.ms += 10_001;
    assert.equal(verifier.check(third.signature, third.timestamp, BODY), undefined);
  });
});

describe('the cache of seen signatures', () => {
  it('keeps each entry until its expiry, inclusive, and drops it after', () => {
    const clock = { ms: 1_000 };
    const seen = new SeenSignatures(10, () => clock.ms);
    assert.deepEqual(seen.remember('a', 5_000), { outcome: 'new' });
    assert.deepEqual(seen.remember('b', 3_000), { outcome: 'new' });
    clock.ms = 3_000;
    assert.deepEqual(seen.remember('b', 3_000), { outcome: 'seen', firstSeenAtMs: 1_000 });
    clock.ms = 3_001;
    assert.equal(seen.size, 1);
    assert.deepEqual(seen.remember('b', 6_000), { outcome: 'new' });
    clock.ms = 6_001;
    assert.equal(seen.size, 0);
  });

  it('refuses a new entry when full, saying when the first one leaves', () => {
    const clock = { ms: 0 };
    const seen = new SeenSignatures(2, () => clock.ms);
    seen.remember('a', 4_000);
    seen.remember('b', 2_500);
    assert.deepEqual(seen.remember('c', 9_000), { outcome: 'full', retryAfterMs: 2_501 });
    assert.equal(seen.size, 2);
    clock.ms = 2_501;
    assert.deepEqual(seen.remember('c', 9_000), { outcome: 'new' });
    assert.throws(() => new SeenSignatures(0), /maxEntries must be a positive integer/);
  });
});

describe('IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE', () => {
  it('defaults to 5 minutes, takes a duration from 1s to 1h, and names itself when wrong', () => {
    assert.equal(signatureToleranceFromEnv({}), 300_000);
    assert.equal(signatureToleranceFromEnv({ IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE: ' 90s ' }), 90_000);
    assert.throws(
      () => signatureToleranceFromEnv({ IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE: 'soon' }),
      /IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE "soon" is not a duration: write for example 90s/,
    );
    for (const value of ['0s', '500ms', '2h'])
      assert.throws(
        () => signatureToleranceFromEnv({ IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE: value }),
        new RegExp(`"${value}" is out of range: give a duration from 1s to 1h \\(default 5m\\)`),
      );
  });
});

describe('IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE on the web server', () => {
  const env = {
    IMPLY_API_URL: 'http://127.0.0.1:1/api/v1',
    IMPLY_TOKEN: 'imply-token-0123456789',
    IMPLY_RUNBOOKS_TRIGGER_SECRET: SECRET,
  };
  // Passed through to the trigger options, never called here.
  const client = {} as Client;

  it('is read with the secret and said in the start-up line', () => {
    const lines: string[] = [];
    const options = triggerOptionsFromEnv(client, 'imply-runbooks', (line) => lines.push(line), {
      ...env,
      IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE: '90s',
    });
    assert.equal(options?.secrets.signatureToleranceMs, 90_000);
    assert.deepEqual(lines, [
      '[web] change triggers at POST /api/triggers/scale (HMAC signature, timestamps within 1m 30s), task queue imply-runbooks',
    ]);
    assert.ok(!lines.join('').includes(SECRET));
  });

  it('stops the web server with the variable named when it is not a duration', () => {
    assert.throws(
      () =>
        triggerOptionsFromEnv(client, 'imply-runbooks', () => {}, {
          ...env,
          IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE: '5 minutes',
        }),
      /IMPLY_RUNBOOKS_TRIGGER_SIGNATURE_TOLERANCE "5 minutes" is not a duration/,
    );
  });
});
