import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { CODEC_KEYS_VARIABLE, type CodecKeyring } from './keys';

/**
 * AES-256-GCM over whole payloads (metadata and data), in the client's and the worker's data
 * converter, never in the workflow sandbox. The key id travels in the clear beside the ciphertext,
 * so any key of the keyring can decrypt what it encrypted.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The payload as bytes: JSON of its metadata and data, each in base64. */
function serialize(payload: Payload): Buffer {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value).toString('base64'),
    ]),
  );
  const data = payload.data ? Buffer.from(payload.data).toString('base64') : '';
  return Buffer.from(JSON.stringify({ metadata, data }));
}

function deserialize(bytes: Buffer): Payload {
  const parsed = JSON.parse(bytes.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(
      Object.entries(parsed.metadata).map(([key, value]) => [
        key,
        new Uint8Array(Buffer.from(value, 'base64')),
      ]),
    ),
    data: new Uint8Array(Buffer.from(parsed.data, 'base64')),
  };
}

const text = (bytes: Uint8Array | null | undefined) => (bytes ? decoder.decode(bytes) : undefined);

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: CodecKeyring) {}

  /** Encrypts every payload with the first key. Pure apart from the random IV. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyring.encryptingKeyId;
    const key = this.keyring.key(keyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv);
      // The key id is authenticated too: a payload cannot be passed off as another key's.
      cipher.setAAD(Buffer.from(keyId));
      const ciphertext = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: encoder.encode(keyId),
        },
        data: new Uint8Array(Buffer.concat([iv, ciphertext, cipher.getAuthTag()])),
      };
    });
  }

  /** Decrypts what this codec encrypted; payloads written before encryption pass through as they are. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId)
      throw new ValueError(`an encrypted payload has no ${KEY_ID_METADATA}: it cannot be decrypted`);
    const key = this.keyring.key(keyId);
    if (!key) {
      throw new ValueError(
        `a payload is encrypted with key "${keyId}", which ${CODEC_KEYS_VARIABLE} does not hold ` +
          `(it holds ${this.keyring.ids().join(', ')}): add that key back (after the encrypting one) to read it`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new ValueError(`an encrypted payload (key "${keyId}") is too short: it was cut or altered`);
    }
    try {
      const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const body = data.subarray(IV_BYTES, data.length - TAG_BYTES);
      return deserialize(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      throw new ValueError(
        `cannot decrypt a payload with key "${keyId}": ${CODEC_KEYS_VARIABLE} has a different key under that id, ` +
          'or the payload was altered. Use the key it was encrypted with.',
      );
    }
  }
}
