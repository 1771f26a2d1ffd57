/**
 * Payload encryption keys from the environment: `IMPLY_RUNBOOKS_CODEC_KEYS=keyid1:base64key,keyid2:base64key`.
 * The first key encrypts; every key decrypts, so a key is rotated by putting a new one first and
 * keeping the old ones until no history that needs them is left.
 */

export const CODEC_KEYS_VARIABLE = 'IMPLY_RUNBOOKS_CODEC_KEYS';

/** AES-256: 32 bytes of key. */
const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The keys of one codec: `encryptingKeyId` names the key new payloads are encrypted with. */
export class CodecKeyring {
  readonly encryptingKeyId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(keys: ReadonlyArray<{ id: string; key: Buffer }>) {
    const first = keys[0];
    if (!first) throw new Error(`${CODEC_KEYS_VARIABLE} holds no key: write keyid:base64key`);
    this.encryptingKeyId = first.id;
    this.#keys = new Map(keys.map(({ id, key }) => [id, key]));
  }

  /** The key of this id, or undefined when the keyring does not hold it. */
  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  /** The ids, encrypting key first; never the keys. */
  ids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Keys never print: a keyring in a log line or an error shows its ids only. */
  toJSON(): { encryptingKeyId: string; keyIds: string[] } {
    return { encryptingKeyId: this.encryptingKeyId, keyIds: this.ids() };
  }
}

function parseEntry(entry: string, position: number): { id: string; key: Buffer } {
  const separator = entry.indexOf(':');
  const where = `${CODEC_KEYS_VARIABLE} entry ${position}`;
  if (separator <= 0) {
    throw new Error(`${where} is not keyid:base64key (for example k2:$(openssl rand -base64 32))`);
  }
  const id = entry.slice(0, separator).trim();
  const text = entry.slice(separator + 1).trim();
  if (!KEY_ID_PATTERN.test(id)) {
    throw new Error(`${where}: the key id may hold only letters, digits, '.', '_' and '-' (1 to 64 of them)`);
  }
  const key = BASE64_PATTERN.test(text)
    ? Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64')
    : undefined;
  if (!key || key.length !== KEY_BYTES) {
    // The length only: the key itself must not reach a log.
    throw new Error(
      `${where} (key id "${id}"): the key must be ${KEY_BYTES} bytes in base64` +
        `${key ? `, got ${key.length} bytes` : ''}; make one with \`openssl rand -base64 32\``,
    );
  }
  return { id, key };
}

/** Parses the variable's text into a keyring; throws naming the entry and the fix, never the key. Pure. */
export function parseCodecKeys(text: string): CodecKeyring {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const keys = entries.map((entry, index) => parseEntry(entry, index + 1));
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id))
      throw new Error(`${CODEC_KEYS_VARIABLE} names key id "${id}" twice: give each key its own id`);
    seen.add(id);
  }
  return new CodecKeyring(keys);
}
