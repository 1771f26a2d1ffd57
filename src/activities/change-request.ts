import { z } from 'zod';
import { CloudManagerError } from '../cloud-manager/errors';
import { parseClusterRequest } from '../cloud-manager/validation';
import { clusterRequestSchema, type ClusterRequest } from '../cloud-manager/schemas/cluster';
import { applySpecChanges, type SpecChange } from '../shared/spec-changes';
import { FailureType, permanentFailure } from './failures';

/**
 * The body of a change's PUT, built from the cluster as the API returns it. The real API returns
 * more than a PUT takes (servers, events, update state…), and the strict request schema refuses any
 * field it does not know: so keep only the fields the schema names, then apply the changes.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The part of `value` the schema knows, recursively; values of unknown shape pass through. Pure. */
export function pruneToSchema(value: unknown, schema: z.ZodType): unknown {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    return pruneToSchema(value, schema.unwrap() as z.ZodType);
  }
  if (schema instanceof z.ZodObject && isPlainObject(value)) {
    const known: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      if (value[key] !== undefined) known[key] = pruneToSchema(value[key], child);
    }
    return known;
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((item) => pruneToSchema(item, schema.element as z.ZodType));
  }
  return value;
}

/**
 * The PUT body that gives `cluster` (as GET or history returns it) the `changes`: only the fields
 * the strict request schema knows, without `status` and without `spec.desiredState` (stopping and
 * starting is the power runbook's business, and the API keeps the current one when it is left out).
 * Throws CloudManagerRejected (400 BadArgument) naming the field when the result is not a valid
 * request, such as `data.tier1.replicas=0` or a misspelt path. Pure.
 */
export function requestFromCluster(cluster: unknown, changes: readonly SpecChange[]): ClusterRequest {
  const known = pruneToSchema(cluster, clusterRequestSchema) as Record<string, unknown>;
  delete known.status;
  const spec = known.spec;
  if (isPlainObject(spec)) delete spec.desiredState;
  return parseClusterRequest(applySpecChanges(known, changes));
}

/**
 * `requestFromCluster` for an activity: a request that is not valid (a misspelt path, replicas 0)
 * becomes a non-retried CloudManagerRejected failure naming the field.
 */
export function liveRequest(cluster: unknown, changes: readonly SpecChange[]): ClusterRequest {
  try {
    return requestFromCluster(cluster, changes);
  } catch (error) {
    if (error instanceof CloudManagerError) throw permanentFailure(FailureType.Rejected, error.message);
    throw error;
  }
}
