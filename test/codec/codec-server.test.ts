import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type RunningCodecServer } from '../../src/codec/codec-server';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseCodecKeys } from '../../src/codec/keys';
import { payloadsFromJson, payloadsToJson, type PayloadsBody } from '../../src/codec/payload-json';
import { runCli } from '../../scripts/lib/run-cli';

const TOKEN = randomBytes(24).toString('hex');
const UI_ORIGIN = 'http://127.0.0.1:8233';
const KEYS = `k1:${randomBytes(32).toString('base64')}`;

const plainBody = (): PayloadsBody =>
  payloadsToJson([defaultPayloadConverter.toPayload({ cluster: 'orders-prod', replicas: 4 })]);

describe('codec server', () => {
  let server: RunningCodecServer;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  before(async () => {
    const codec = new EncryptionCodec(parseCodecKeys(KEYS));
    server = await startCodecServer({ port: 0, codec, token: TOKEN, allowedOrigins: [UI_ORIGIN] });
  });
  after(async () => {
    await server?.close();
  });

  it('encodes and decodes payloads in protobuf JSON, under any path prefix', async () => {
    const encoded = await post('/encode', plainBody());
    assert.equal(encoded.status, 200);
    const encrypted = (await encoded.json()) as PayloadsBody;
    const bytes = Buffer.from(encrypted.payloads[0]?.data ?? '', 'base64');
    assert.ok(bytes.length > 0 && !bytes.includes('orders-prod'));
    const decoded = await post('/namespaces/default/decode', encrypted, { 'X-Namespace': 'default' });
    assert.equal(decoded.status, 200);
    const [payload] = payloadsFromJson((await decoded.json()) as PayloadsBody);
    assert.deepEqual(defaultPayloadConverter.fromPayload(payload!), { cluster: 'orders-prod', replicas: 4 });
  });

  it('refuses callers without the codec token', async () => {
    for (const headers of [{ Authorization: '' }, { Authorization: 'Bearer not-the-token' }]) {
      const response = await post('/decode', plainBody(), headers);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.match(((await response.json()) as { error: string }).error, /IMPLY_RUNBOOKS_CODEC_TOKEN/);
    }
  });

  it('answers the UI origin with CORS headers and refuses any other origin', async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI_ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);
    const fromUi = await post('/encode', plainBody(), { Origin: UI_ORIGIN });
    assert.equal(fromUi.status, 200);
    assert.equal(fromUi.headers.get('access-control-allow-origin'), UI_ORIGIN);

    const elsewhere = await post('/decode', plainBody(), { Origin: 'http://evil.example' });
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
    assert.match(((await elsewhere.json()) as { error: string }).error, /--ui-origin http:\/\/evil\.example/);
  });

  it('lets a browser sign in with the token and then decode with its session cookie', async () => {
    const form = (token: string) =>
      fetch(`${server.url}/sign-in`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
    assert.equal((await form('wrong-token')).status, 401);
    const signedIn = await form(TOKEN);
    assert.equal(signedIn.status, 200);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    assert.ok(!cookie.includes(TOKEN), 'the cookie is a session id, not the token');
    const encrypted = (await (await post('/encode', plainBody())).json()) as PayloadsBody;
    const decoded = await post('/decode', encrypted, { Authorization: '', Cookie: cookie.split(';')[0]! });
    assert.equal(decoded.status, 200);
  });

  it('answers malformed bodies and undecryptable payloads with 400 and the reason', async () => {
    const notJson = await post('/decode', '{not json');
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /not JSON/);
    const wrongShape = await post('/decode', { payloads: [{ data: 42 }] });
    assert.equal(wrongShape.status, 400);
    assert.match(((await wrongShape.json()) as { error: string }).error, /payloads\.0\.data/);

    const otherCodec = new EncryptionCodec(parseCodecKeys(`k9:${randomBytes(32).toString('base64')}`));
    const foreign = payloadsToJson(await otherCodec.encode(payloadsFromJson(plainBody())));
    const refused = await post('/decode', foreign);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /encrypted with key "k9"/);
    assert.equal((await post('/other', plainBody())).status, 404);
    assert.equal((await fetch(`${server.url}/decode`)).status, 405);
  });

  it('refuses to start without keys or with a short token, through the CLI', async () => {
    const noKeys = await runCli(['codec-server', '--port', '0'], { IMPLY_RUNBOOKS_CODEC_TOKEN: TOKEN });
    assert.equal(noKeys.code, 2, 'bad configuration');
    assert.match(noKeys.stderr, /IMPLY_RUNBOOKS_CODEC_KEYS is not set/);
    const shortToken = await runCli(['codec-server', '--port', '0'], {
      IMPLY_RUNBOOKS_CODEC_KEYS: KEYS,
      IMPLY_RUNBOOKS_CODEC_TOKEN: 'short',
    });
    assert.equal(shortToken.code, 2, 'bad configuration');
    assert.match(shortToken.stderr, /IMPLY_RUNBOOKS_CODEC_TOKEN must be set to a secret of 16 characters/);
    assert.ok(!shortToken.stderr.includes(KEYS.slice(3)));
  });
});
