import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { badReplicas, invalidCluster, VALID_CLUSTER } from './invalid-input';

const TOKEN = 'bad-input-http-token';

interface Answer {
  status: number;
  body: { error?: { code?: string; details?: Array<{ target?: string }> } } & Record<string, unknown>;
}

describe('the emulator refuses bad input over HTTP: 4xx naming the field, never a 5xx or a crash', () => {
  let emulator: RunningEmulator;
  let uid: string;
  const send = async (method: string, path: string, body?: string | Uint8Array, contentType?: string) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };
    if (body !== undefined) headers['Content-Type'] = contentType ?? 'application/json';
    const response = await fetch(`${emulator.apiUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} } as Answer;
  };
  const targetsOf = (answer: Answer) => (answer.body.error?.details ?? []).map((detail) => detail.target);

  before(async () => {
    emulator = await startEmulator({ port: 0, transitionMs: 0, tokens: [{ token: TOKEN }] });
    const created = await send('POST', '/clusters', JSON.stringify(VALID_CLUSTER));
    assert.equal(created.status, 201);
    uid = (created.body.metadata as { uid: string }).uid;
  });
  after(async () => {
    await emulator?.close();
  });

  it('answers generated invalid creates and replaces with 400 BadArgument and the target', async () => {
    await fc.assert(
      fc.asyncProperty(
        invalidCluster,
        fc.constantFrom(
          'POST /clusters',
          'POST ?dryRun=true',
          `PUT /clusters/{uid}`,
          'PUT /clusters/{uid}?force=true',
        ),
        async (invalid, route) => {
          const [method, path] = route.replace('{uid}', uid).split(' ') as [string, string];
          const answer = await send(method, path, JSON.stringify(invalid.body));
          assert.equal(answer.status, 400, `${route} ${invalid.what}: ${JSON.stringify(answer.body)}`);
          assert.equal(answer.body.error?.code, 'BadArgument');
          assert.ok(
            targetsOf(answer).includes(invalid.target),
            `${invalid.what}: ${targetsOf(answer).join()}`,
          );
        },
      ),
      { numRuns: 120 },
    );
  });

  it('answers generated invalid merge patches with 400 and the target', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('master', 'query'), badReplicas, async (group, replicas) => {
        const patch = JSON.stringify({ spec: { [group]: { replicas } } });
        const answer = await send('PATCH', `/clusters/${uid}`, patch, 'application/merge-patch+json');
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.ok(targetsOf(answer).includes(`spec.${group}.replicas`), targetsOf(answer).join());
      }),
      { numRuns: 40 },
    );
  });

  it('answers malformed, wrongly typed and oversized bodies with a 4xx', async () => {
    const garbage = fc.oneof(
      fc.string().map((text) => ({ body: text as string | Uint8Array, type: 'application/json' })),
      fc
        .jsonValue()
        .map((value) => ({ body: JSON.stringify(value) as string | Uint8Array, type: 'application/json' })),
      fc
        .uint8Array({ maxLength: 200 })
        .map((bytes) => ({ body: bytes as string | Uint8Array, type: 'text/plain' })),
    );
    await fc.assert(
      fc.asyncProperty(garbage, fc.constantFrom('POST', 'PUT', 'PATCH'), async ({ body, type }, method) => {
        // A JSON object of only known, empty sections (`{}`, `{"spec":{}}`) is a valid no-op merge patch.
        fc.pre(!(method === 'PATCH' && isNoOpPatch(body)));
        const path = method === 'POST' ? '/clusters' : `/clusters/${uid}`;
        const contentType =
          method === 'PATCH' && type === 'application/json' ? 'application/merge-patch+json' : type;
        const answer = await send(method, path, body, contentType);
        assert.ok(answer.status >= 400 && answer.status < 500, `${method} answered ${answer.status}`);
      }),
      { numRuns: 150 },
    );
    const oversized = await send(
      'POST',
      '/clusters',
      `{"metadata": {"name": "${'x'.repeat(2 * 1024 * 1024)}"}}`,
    );
    assert.equal(oversized.status, 413);
    const wrongType = await send('PATCH', `/clusters/${uid}`, '{"spec": {}}', 'application/json');
    assert.equal(wrongType.status, 415);
  });

  it('changed nothing through all of it, and still answers', async () => {
    const committed = emulator.requestLog().filter((entry) => entry.committed);
    assert.equal(committed.length, 1, 'only the valid create of the setup committed');
    assert.equal(emulator.requestLog().filter((entry) => entry.status >= 500).length, 0);
    const cluster = await send('GET', `/clusters/${uid}`);
    assert.equal(cluster.status, 200);
    assert.deepEqual((cluster.body.status as { resourceVersion: number }).resourceVersion, 0);
    const list = await send('GET', '/clusters');
    assert.equal((list.body as unknown as unknown[]).length, 1);
  });
});

function isNoOpPatch(body: string | Uint8Array): boolean {
  if (typeof body !== 'string') return false;
  try {
    const value: unknown = JSON.parse(body);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.entries(value).every(
      ([key, section]) =>
        ['metadata', 'spec'].includes(key) &&
        section !== null &&
        typeof section === 'object' &&
        !Array.isArray(section) &&
        Object.keys(section).length === 0,
    );
  } catch {
    return false;
  }
}
