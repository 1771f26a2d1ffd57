import { z } from 'zod';
import { zodIssuesToDetails } from '../cloud-manager/validation';
import { EmulatorHttpError } from './http-io';

/**
 * The faults the emulator can inject, set at start (options, CLI flags) and at run time
 * (`PUT /_emulator/faults`). Rates are shares of requests (0..1) drawn from a seeded generator;
 * the `…Next` counts hit the next N matching requests, for deterministic tests.
 */

const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const count = z.number().int('must be a whole number').min(0, 'must be 0 or more');
const milliseconds = z.number().int('must be a whole number of milliseconds').min(0, 'must be 0 or more');

export const faultMatchSchema = z.strictObject({
  method: z.string().trim().toUpperCase().min(1).optional(),
  pathPrefix: z.string().startsWith('/', 'must start with /, e.g. /api/v1/clusters').optional(),
});
export type FaultMatch = z.infer<typeof faultMatchSchema>;

export const faultConfigSchema = z.strictObject({
  /** Share of API requests answering `errorStatus`. */
  errorRate: rate,
  errorStatus: z.union([z.literal(500), z.literal(503)], { error: 'must be 500 or 503' }),
  /** Share of API requests answering 429 with Retry-After. */
  throttleRate: rate,
  retryAfterSeconds: count,
  /** Delay added to a share (`latencyRate`) of API requests. */
  latencyMs: milliseconds,
  latencyRate: rate,
  /** Share of successful mutating requests whose change is kept but whose answer is lost. */
  dropAfterCommitRate: rate,
  /** Cluster ids whose next create, update, stop or start ends in FAILED. */
  failNextUpdate: z.array(z.string().min(1)),
  throttleNext: count,
  errorNext: count,
  dropAfterCommitNext: count,
  /** Narrows the `…Next` faults to some requests, e.g. `{ method: 'POST' }`. */
  match: faultMatchSchema.nullable().optional(),
  /** Token bucket over all API requests; 0 turns it off. */
  rateLimitPerSecond: z.number().min(0, 'must be 0 (off) or more'),
  /** After a 202 (PUT, PATCH, DELETE) the cluster shows as it was for this long before the transition. */
  acceptLagMs: milliseconds,
  /** During that lag the new resource version (and spec) already shows; the state does not. */
  acceptLagBumpsVersion: z.boolean(),
  /** A state name outside the documented nine, shown instead of the busy state of every transition. */
  unknownTransitionState: z
    .string()
    .regex(/^[A-Z][A-Z_]{1,39}$/, 'must be an upper-case state name such as PROVISIONING')
    .nullable()
    .optional(),
});
export type FaultConfig = z.infer<typeof faultConfigSchema>;

export const DEFAULT_FAULTS: FaultConfig = {
  errorRate: 0,
  errorStatus: 500,
  throttleRate: 0,
  retryAfterSeconds: 1,
  latencyMs: 0,
  latencyRate: 1,
  dropAfterCommitRate: 0,
  failNextUpdate: [],
  throttleNext: 0,
  errorNext: 0,
  dropAfterCommitNext: 0,
  match: undefined,
  rateLimitPerSecond: 0,
  acceptLagMs: 0,
  acceptLagBumpsVersion: false,
  unknownTransitionState: undefined,
};

/** Checks a partial fault configuration; throws a 400 BadArgument naming each bad field. Pure. */
export function parseFaults(input: unknown): Partial<FaultConfig> {
  const result = faultConfigSchema.partial().safeParse(input);
  if (result.success) return result.data;
  const details = zodIssuesToDetails(result.error.issues, input);
  const listing = details.map((detail) => `${detail.target}: ${detail.message}`).join('; ');
  throw new EmulatorHttpError(400, 'BadArgument', `Invalid fault configuration: ${listing}`, details);
}

/** Returns `current` with `changes` laid over it (`match: null` clears the filter). Pure. */
export function mergeFaults(current: FaultConfig, changes: Partial<FaultConfig>): FaultConfig {
  const merged: FaultConfig = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (merged.match === null) merged.match = undefined;
  if (merged.unknownTransitionState === null) merged.unknownTransitionState = undefined;
  merged.failNextUpdate = [...merged.failNextUpdate];
  return merged;
}
