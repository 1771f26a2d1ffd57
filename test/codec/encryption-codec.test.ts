import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { defaultPayloadConverter, ValueError, type Payload } from '@temporalio/common';
import { codecFromEnv, dataConverterFromEnv, FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../src/codec/encryption-codec';
import { parseCodecKeys } from '../../src/codec/keys';
import { temporalSettingsFromEnv } from '../../src/temporal/connection';

const newKey = () => randomBytes(32).toString('base64');
const codecWith = (text: string) => new EncryptionCodec(parseCodecKeys(text));
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload | undefined) => defaultPayloadConverter.fromPayload(payload as Payload);
const metadataText = (payload: Payload | undefined, key: string) =>
  new TextDecoder().decode(payload?.metadata?.[key] ?? new Uint8Array());

describe('payload encryption codec', () => {
  const input = { cluster: { metadata: { name: 'secret-cluster-name' } }, replicas: 3 };

  it('round-trips payloads, and what it writes holds none of the plaintext', async () => {
    const codec = codecWith(`k1:${newKey()}`);
    const payloads = [payloadOf(input), payloadOf('second'), payloadOf(undefined)];
    const encoded = await codec.encode(payloads);
    assert.equal(encoded.length, 3);
    for (const payload of encoded) {
      assert.equal(metadataText(payload, 'encoding'), ENCRYPTED_ENCODING);
      assert.equal(metadataText(payload, KEY_ID_METADATA), 'k1');
      assert.ok(!Buffer.from(payload.data ?? []).includes('secret-cluster-name'));
      assert.ok(
        !Buffer.from(payload.data ?? []).includes('json/plain'),
        'the inner metadata is encrypted too',
      );
    }
    const decoded = await codec.decode(encoded);
    assert.deepEqual(valueOf(decoded[0]), input);
    assert.equal(valueOf(decoded[1]), 'second');
    assert.equal(valueOf(decoded[2]), undefined);
  });

  it('encrypts the same payload differently each time (a fresh IV)', async () => {
    const codec = codecWith(`k1:${newKey()}`);
    const [first, second] = await codec.encode([payloadOf(input), payloadOf(input)]);
    assert.notDeepEqual(first?.data, second?.data);
  });

  it('passes through payloads written before encryption was turned on', async () => {
    const plain = payloadOf(input);
    assert.deepEqual(await codecWith(`k1:${newKey()}`).decode([plain]), [plain]);
  });

  it('rotates keys: the new first key encrypts, the old key still decrypts what it wrote', async () => {
    const oldKey = newKey();
    const before = codecWith(`old:${oldKey}`);
    const written = await before.encode([payloadOf(input)]);
    const rotated = codecWith(`new:${newKey()},old:${oldKey}`);
    assert.deepEqual(valueOf((await rotated.decode(written))[0]), input);
    const rewritten = await rotated.encode([payloadOf(input)]);
    assert.equal(metadataText(rewritten[0], KEY_ID_METADATA), 'new');
    await assert.rejects(
      before.decode(rewritten),
      /encrypted with key "new", which IMPLY_RUNBOOKS_CODEC_KEYS does not hold/,
    );
  });

  it('refuses a wrong key under the same id, or an altered payload, with a clear error', async () => {
    const written = await codecWith(`k1:${newKey()}`).encode([payloadOf(input)]);
    const wrongKey = codecWith(`k1:${newKey()}`);
    await assert.rejects(wrongKey.decode(written), (error: Error) => {
      assert.ok(error instanceof ValueError);
      assert.match(error.message, /cannot decrypt a payload with key "k1".*different key under that id/);
      return true;
    });
    const codec = codecWith(`k1:${newKey()}`);
    const [payload] = await codec.encode([payloadOf(input)]);
    const data = Buffer.from(payload?.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    await assert.rejects(codec.decode([{ ...payload, data }]), /or the payload was altered/);
  });

  it('refuses malformed keys naming the entry and the fix, never the key text', () => {
    const short = Buffer.from('too-short').toString('base64');
    assert.throws(
      () => parseCodecKeys(`k1:${newKey()},k2:${short}`),
      (error: Error) => {
        assert.match(
          error.message,
          /IMPLY_RUNBOOKS_CODEC_KEYS entry 2 \(key id "k2"\): the key must be 32 bytes/,
        );
        assert.ok(!error.message.includes(short));
        return true;
      },
    );
    assert.throws(() => parseCodecKeys(newKey()), /entry 1 is not keyid:base64key/);
    assert.throws(() => parseCodecKeys(`k1:${newKey()},k1:${newKey()}`), /names key id "k1" twice/);
    assert.throws(() => parseCodecKeys(' , '), /holds no key/);
    assert.throws(() => parseCodecKeys(`bad id:${newKey()}`), /the key id may hold only/);
  });

  it('never shows a key when a keyring is printed', () => {
    const key = newKey();
    const keyring = parseCodecKeys(`k1:${key}`);
    assert.ok(!inspect(keyring, { depth: 5, showHidden: true }).includes(key));
    assert.ok(!JSON.stringify(keyring).includes(key));
    assert.deepEqual(JSON.parse(JSON.stringify(keyring)), { encryptingKeyId: 'k1', keyIds: ['k1'] });
  });
});

describe('dataConverterFromEnv', () => {
  it('is undefined without keys, and a codec plus the encrypting failure converter with them', () => {
    assert.equal(dataConverterFromEnv({}), undefined);
    assert.equal(codecFromEnv({ IMPLY_RUNBOOKS_CODEC_KEYS: '  ' }), undefined);
    const converter = dataConverterFromEnv({ IMPLY_RUNBOOKS_CODEC_KEYS: `k1:${newKey()}` });
    assert.ok(converter?.payloadCodecs?.[0] instanceof EncryptionCodec);
    assert.equal(converter?.failureConverterPath, FAILURE_CONVERTER_PATH);
  });

  it('puts the data converter in the Temporal settings, and a bad key among the setting problems', () => {
    const settings = temporalSettingsFromEnv({ IMPLY_RUNBOOKS_CODEC_KEYS: `k1:${newKey()}` });
    assert.ok(settings.dataConverter?.payloadCodecs?.[0] instanceof EncryptionCodec);
    assert.equal('dataConverter' in temporalSettingsFromEnv({}), false);
    assert.throws(
      () =>
        temporalSettingsFromEnv({ IMPLY_RUNBOOKS_CODEC_KEYS: 'k1:c2hvcnQ=', TEMPORAL_ADDRESS: 'http://x' }),
      /TEMPORAL_ADDRESS=http:\/\/x is not host:port[\s\S]*IMPLY_RUNBOOKS_CODEC_KEYS entry 1/,
    );
  });
});
