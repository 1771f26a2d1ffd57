import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { CODEC_KEYS_VARIABLE, parseCodecKeys } from './keys';

/** The module the SDK loads by path in the worker, the workflow bundle and the client. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The payload codec the keys in IMPLY_RUNBOOKS_CODEC_KEYS make, or undefined when it is unset. Reads only. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const text = env[CODEC_KEYS_VARIABLE]?.trim();
  return text ? new EncryptionCodec(parseCodecKeys(text)) : undefined;
}

/**
 * The data converter of every Temporal client and worker the product makes: payloads and failure
 * messages encrypted with AES-256-GCM when IMPLY_RUNBOOKS_CODEC_KEYS is set, the SDK's default
 * (undefined) otherwise. Throws naming the variable when its keys are malformed. Reads only.
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = codecFromEnv(env);
  if (!codec) return undefined;
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
