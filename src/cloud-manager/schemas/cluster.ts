import { z } from 'zod';
import { KNOWN_STATES } from '../../shared/cluster-states';

/**
 * Schemas for the Imply Cloud Manager cluster object, shared by the client and the emulator.
 * Request schemas are strict (a typo is an error, not a silently ignored field); response schemas
 * name what we read and pass everything else through, so a new upstream field cannot break us.
 */

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const namedValueSchema = z.strictObject({ name: nonEmpty, value: z.string() });
export type NamedValue = z.infer<typeof namedValueSchema>;

const properties = z.array(namedValueSchema);
const replicas = z
  .number({ error: 'must be a whole number of at least 1' })
  .int('must be a whole number')
  .min(1, 'must be at least 1');

export const desiredStateSchema = z.enum(['STARTED', 'STOPPED']);
export type DesiredState = z.infer<typeof desiredStateSchema>;

export const clusterStateSchema = z.enum(KNOWN_STATES);
export type ClusterState = z.infer<typeof clusterStateSchema>;

export const S3_PATH = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

export const masterSchema = z.strictObject({
  replicas,
  instanceType: nonEmpty,
  coordinatorRuntimeProperties: properties.optional(),
  overlordRuntimeProperties: properties.optional(),
});
export const querySchema = z.strictObject({
  replicas,
  instanceType: nonEmpty,
  brokerRuntimeProperties: properties.optional(),
  routerRuntimeProperties: properties.optional(),
});
export const dataTierSchema = z.strictObject({
  replicas,
  instanceType: nonEmpty,
  historicalRuntimeProperties: properties.optional(),
  middleManagerRuntimeProperties: properties.optional(),
});
export type DataTier = z.infer<typeof dataTierSchema>;

export const DATA_TIERS = ['tier1', 'tier2', 'tier3'] as const;
export type DataTierName = (typeof DATA_TIERS)[number];

export const dataSchema = z.strictObject({
  historicalRuntimeProperties: properties.optional(),
  middleManagerRuntimeProperties: properties.optional(),
  tier1: dataTierSchema,
  tier2: dataTierSchema.optional(),
  tier3: dataTierSchema.optional(),
});

export const metadataStoreSchema = z.strictObject({
  instanceType: nonEmpty,
  diskSize: z.number().int().min(1, 'must be at least 1 (GiB)'),
  backupRetention: z.number().int().min(0, 'must be 0 or more (days)'),
  encrypt: z.boolean(),
  monitoring: z.boolean(),
});

export const deepStorageSchema = z.strictObject({
  path: z.string().regex(S3_PATH, 'must be an S3 path such as s3://my-bucket/prefix'),
  encrypt: z.boolean().optional(),
});

export const pivotSchema = z.strictObject({ accessMode: z.enum(['PROXIED', 'DIRECT']) });

/** The spec a client sends (POST, PUT). Unknown fields are refused. */
export const clusterSpecSchema = z.strictObject({
  version: nonEmpty,
  awsInstanceRole: nonEmpty,
  awsKeyPair: nonEmpty.optional(),
  awsTags: properties.optional(),
  encryptVolumes: z.boolean().optional(),
  commonRuntimeProperties: properties.optional(),
  desiredState: desiredStateSchema.optional(),
  master: masterSchema,
  query: querySchema,
  data: dataSchema,
  metadataStore: metadataStoreSchema.optional(),
  pivot: pivotSchema.optional(),
  deepStorage: deepStorageSchema,
  druidExtensions: z.array(z.unknown()).optional(),
  featureFlags: z.array(z.unknown()).optional(),
  customFiles: z.array(z.unknown()).optional(),
});
export type ClusterSpec = z.infer<typeof clusterSpecSchema>;

export const clusterMetadataRequestSchema = z.strictObject({
  name: nonEmpty.max(128, 'must be at most 128 characters'),
  uid: z.string().optional(),
});

/** Body of POST /clusters and PUT /clusters/{id}. A `status` in a PUT body is ignored, as GET returns one. */
export const clusterRequestSchema = z.strictObject({
  metadata: clusterMetadataRequestSchema,
  spec: clusterSpecSchema,
  status: z.unknown().optional(),
});
export type ClusterRequest = z.infer<typeof clusterRequestSchema>;

/**
 * `schema` with every object, at every depth, loose instead of strict: the fields it names are
 * checked as before, fields it does not name pass through untouched. Pure.
 */
export function looseDeep(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional) return looseDeep(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof z.ZodNullable) return looseDeep(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodArray) return z.array(looseDeep(schema.element as z.ZodType));
  if (schema instanceof z.ZodObject) {
    const shape = Object.entries(schema.shape as Record<string, z.ZodType>);
    return z.looseObject(Object.fromEntries(shape.map(([key, child]) => [key, looseDeep(child)])));
  }
  return schema;
}

/**
 * A PUT body built from the cluster as the API returned it: the fields we know are checked as in
 * `clusterRequestSchema`, the fields the real API has and we do not model pass through at every
 * depth (a PUT replaces the whole spec, so leaving them out would reset them).
 */
export const livePutSchema = looseDeep(clusterRequestSchema) as unknown as typeof clusterRequestSchema;

/** A JSON Merge Patch (RFC 7396) body: any subset of the cluster; `null` removes a field. */
export const clusterPatchSchema = z.strictObject({
  metadata: z.record(z.string(), z.unknown()).optional(),
  spec: z.record(z.string(), z.unknown()).optional(),
});
export type ClusterPatch = z.infer<typeof clusterPatchSchema>;

const looseTier = z.looseObject({ replicas: z.number(), instanceType: z.string() });

/** A cluster as the API returns it: what we read is typed, everything else passes through. */
export const clusterSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), uid: z.string() }),
  spec: z.looseObject({
    version: z.string().optional(),
    desiredState: desiredStateSchema.optional(),
    awsTags: z.array(z.looseObject({ name: z.string(), value: z.string() })).optional(),
    master: looseTier.optional(),
    query: looseTier.optional(),
    data: z
      .looseObject({ tier1: looseTier.optional(), tier2: looseTier.optional(), tier3: looseTier.optional() })
      .optional(),
  }),
  status: z
    .looseObject({
      state: z.union([clusterStateSchema, z.string()]).optional(),
      resourceVersion: z.number().int().optional(),
      desiredState: desiredStateSchema.optional(),
    })
    .optional(),
});
export type Cluster = z.infer<typeof clusterSchema>;

export const clusterListSchema = z.array(clusterSchema);

/** Imply's error envelope, parsed tolerantly: an expired token may answer a bare `{ message }`. */
export const errorEnvelopeSchema = z.union([
  z.looseObject({
    error: z.looseObject({
      code: z.string().optional(),
      message: z.string().optional(),
      details: z
        .array(
          z.looseObject({
            code: z.string().optional(),
            target: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .optional(),
    }),
  }),
  z.looseObject({ message: z.string() }),
]);
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export interface ErrorDetail {
  code?: string;
  target?: string;
  message?: string;
}

export { tagsOf } from '../../shared/cluster-tags';
