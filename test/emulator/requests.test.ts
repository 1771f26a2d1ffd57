import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_EMULATOR_TOKEN, startEmulator, type RunningEmulator } from '../../src/emulator/server';
import {
  call,
  createCluster,
  startTestEmulator,
  TOKEN,
  tutorialCreateBody,
  VIEW_ONLY_TOKEN,
} from './helpers';

type Body = { metadata: Record<string, unknown>; spec: Record<string, unknown> };

function bodyWith(change: (body: Body) => void): Body {
  const body = structuredClone(tutorialCreateBody()) as unknown as Body;
  change(body);
  return body;
}

describe('emulator request validation', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  async function expectBadArgument(body: unknown, target: string, code: string): Promise<string> {
    const answer = await call(emulator, 'POST', '/api/v1/clusters', { body });
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.json.error.code, 'BadArgument');
    const detail = answer.json.error.details.find((each: { target: string }) => each.target === target);
    assert.ok(detail, `a detail targets ${target}: ${answer.text}`);
    assert.equal(detail.code, code);
    return detail.message as string;
  }

  it('names metadata.name as a NullValue when the name is missing or null', async () => {
    await expectBadArgument(
      bodyWith((body) => delete body.metadata.name),
      'metadata.name',
      'NullValue',
    );
    await expectBadArgument(
      bodyWith((body) => (body.metadata.name = null)),
      'metadata.name',
      'NullValue',
    );
  });

  it('refuses a deep storage path that is not on S3', async () => {
    const message = await expectBadArgument(
      bodyWith((body) => (body.spec.deepStorage = { path: 'gs://bucket/prefix' })),
      'spec.deepStorage.path',
      'MalformedValue',
    );
    assert.match(message, /s3:\/\//);
  });

  it('refuses fewer than one replica, and unknown fields, each with its own target', async () => {
    const body = bodyWith((each) => {
      each.spec.data = { tier1: { replicas: 0, instanceType: 't2.small' } };
      each.spec.colour = 'blue';
    });
    const answer = await call(emulator, 'POST', '/api/v1/clusters', { body });
    const targets = answer.json.error.details.map((detail: { target: string }) => detail.target).sort();
    assert.deepEqual(targets, ['spec.colour', 'spec.data.tier1.replicas']);
  });

  it('validates the merged result of a PATCH with the same strict schema', async () => {
    const uid = await createCluster(emulator);
    const answer = await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, {
      body: { spec: { master: { replicas: null } } },
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(
      answer.json.error.details.map((detail: { target: string; code: string }) => [
        detail.target,
        detail.code,
      ]),
      [['spec.master.replicas', 'NullValue']],
    );
    const wrongTop = await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, {
      body: { status: { state: 'RUNNING' } },
    });
    assert.equal(wrongTop.status, 400);
    assert.equal(wrongTop.json.error.details[0].target, 'status');
  });

  it('answers malformed and empty JSON with 400 BadArgument', async () => {
    const malformed = await call(emulator, 'POST', '/api/v1/clusters', { rawBody: '{"metadata": ' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.code, 'BadArgument');
    assert.match(malformed.json.error.message, /not valid JSON/);
    const empty = await call(emulator, 'POST', '/api/v1/clusters', { rawBody: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.json.error.message, /empty/);
  });

  it('answers a body above 1 MiB with 413 and says what the limit is', async () => {
    const huge = JSON.stringify({ ...tutorialCreateBody(), padding: 'x'.repeat(1024 * 1024) });
    const answer = await call(emulator, 'POST', '/api/v1/clusters', { rawBody: huge });
    assert.equal(answer.status, 413);
    assert.match(answer.json.error.message, /1 MiB/);
    assert.equal((await call(emulator, 'GET', '/api/v1/clusters')).status, 200, 'the emulator still answers');
  });

  it('answers 415 to a PATCH that is not application/merge-patch+json, and accepts a charset', async () => {
    const uid = await createCluster(emulator);
    const path = `/api/v1/clusters/${uid}`;
    const plain = await call(emulator, 'PATCH', path, {
      body: { spec: { desiredState: 'STOPPED' } },
      contentType: 'application/json',
    });
    assert.equal(plain.status, 415);
    assert.equal(plain.json.error.code, 'UnsupportedMediaType');
    assert.match(plain.json.error.message, /application\/merge-patch\+json/);
    const withCharset = await call(emulator, 'PATCH', path, {
      body: { spec: { desiredState: 'STOPPED' } },
      contentType: 'application/merge-patch+json; charset=utf-8',
    });
    assert.equal(withCharset.status, 202);
  });
});

describe('emulator auth', () => {
  let emulator: RunningEmulator;
  const lines: string[] = [];
  before(async () => {
    emulator = await startTestEmulator({ log: (line) => lines.push(line) });
  });
  after(async () => {
    await emulator.close();
  });

  it('answers 401 Unauthorized with no token, a bad scheme or an unknown token', async () => {
    for (const [token, pattern] of [
      [null, /Missing Authorization/],
      ['wrong-token', /not valid/],
    ] as const) {
      const answer = await call(emulator, 'GET', '/api/v1/clusters', { token });
      assert.equal(answer.status, 401);
      assert.equal(answer.json.error.code, 'Unauthorized');
      assert.match(answer.json.error.message, pattern);
    }
    const basic = await call(emulator, 'GET', '/api/v1/clusters', { authorization: `Basic ${TOKEN}` });
    assert.equal(basic.status, 401);
    assert.match(basic.json.error.message, /Bearer <token>/);
  });

  it('answers 403 with code Unauthorized to a token without manage-clusters', async () => {
    const answer = await call(emulator, 'POST', '/api/v1/clusters', {
      token: VIEW_ONLY_TOKEN,
      body: tutorialCreateBody(),
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.json.error.code, 'Unauthorized');
    assert.match(answer.json.error.message, /manage-clusters/);
    assert.equal((await call(emulator, 'GET', '/api/v1/clusters')).json.length, 0, 'nothing was created');
  });

  it('accepts the default emulator token when started without tokens', async () => {
    const plain = await startEmulator({ port: 0, transitionMs: 0 });
    try {
      assert.equal(
        (await call(plain, 'GET', '/api/v1/clusters', { token: DEFAULT_EMULATOR_TOKEN })).status,
        200,
      );
      assert.equal((await call(plain, 'GET', '/api/v1/clusters', { token: TOKEN })).status, 401);
    } finally {
      await plain.close();
    }
  });

  it('never puts a token in an answer or a log line', async () => {
    await call(emulator, 'GET', '/api/v1/clusters', { token: 'secret-looking-token' });
    await call(emulator, 'GET', '/api/v1/clusters');
    assert.ok(lines.length >= 2);
    for (const line of lines) {
      assert.ok(!line.includes(TOKEN) && !line.includes('secret-looking-token'), line);
      assert.match(line, /^(GET|POST|PUT|PATCH|DELETE) \/\S* \d{3} \d+ms/);
    }
    const log = JSON.stringify(emulator.requestLog());
    assert.ok(!log.includes(TOKEN) && !log.includes('secret-looking-token'));
  });
});
