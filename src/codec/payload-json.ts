import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/**
 * The codec server's wire format: Temporal's `Payloads` message in protobuf JSON, as the Temporal UI
 * and CLI send it to `/encode` and `/decode`: `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`.
 */

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

export const payloadsBodySchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), base64).nullish(),
      data: base64.nullish(),
    }),
  ),
});
export type PayloadsBody = z.infer<typeof payloadsBodySchema>;

/** Payloads from their protobuf JSON. Pure. */
export function payloadsFromJson(body: PayloadsBody): Payload[] {
  return body.payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [
        key,
        new Uint8Array(Buffer.from(value, 'base64')),
      ]),
    ),
    data: new Uint8Array(Buffer.from(data ?? '', 'base64')),
  }));
}

/** Payloads as protobuf JSON. Pure. */
export function payloadsToJson(payloads: Payload[]): PayloadsBody {
  return {
    payloads: payloads.map(({ metadata, data }) => ({
      metadata: Object.fromEntries(
        Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      ),
      data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
