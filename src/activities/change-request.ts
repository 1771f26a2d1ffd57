import { z } from 'zod';
import { CloudManagerError, CloudManagerRejected } from '../cloud-manager/errors';
import { parseClusterRequest } from '../cloud-manager/validation';
import { clusterRequestSchema, type Cluster, type ClusterRequest } from '../cloud-manager/schemas/cluster';
import { applySpecChanges, cloneJson, valueAt, type SpecChange } from '../shared/spec-changes';
import { FailureType, permanentFailure } from './failures';

/**
 * The body of a change's PUT, built from the cluster as the API returned it (GET or history). A PUT
 * replaces the whole spec, so the body keeps every field at every depth, those we do not model
 * included (the real API has more than we know: they would be reset if left out); only the fields
 * documented read-only are dropped. Then the changes are applied and the fields we know validated.
 */

/** Top-level fields of a cluster the API documents as read-only: a `status` in a PUT is ignored. */
export const READ_ONLY_FIELDS = ['status'] as const;

/** A cluster's configuration: everything the API returned but the read-only fields. */
export interface ClusterConfig {
  metadata: Cluster['metadata'];
  spec: Cluster['spec'];
  [field: string]: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The cluster without its read-only fields, every other field kept as returned. Pure. */
export function configOf(cluster: Cluster | ClusterConfig): ClusterConfig {
  const config: Record<string, unknown> = { ...cluster };
  for (const field of READ_ONLY_FIELDS) delete config[field];
  return config as ClusterConfig;
}

/** Whether `path` (dotted, from the cluster root) names a field of the request schema. Pure. */
export function isKnownPath(path: string): boolean {
  let schema: z.ZodType = clusterRequestSchema;
  for (const key of path.split('.')) {
    while (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
      schema = schema.unwrap() as z.ZodType;
    }
    if (!(schema instanceof z.ZodObject)) return false;
    const child = (schema.shape as Record<string, z.ZodType | undefined>)[key];
    if (!child) return false;
    schema = child;
  }
  return true;
}

/**
 * A change may set a field we model or one the cluster already has; any other path is most likely
 * a typo (`replicaz`), refused naming it rather than sent as a new field. Pure.
 */
function checkChangePaths(config: unknown, changes: readonly SpecChange[]): void {
  const unknown = changes.filter(
    (change) => !isKnownPath(change.path) && valueAt(config, change.path) === undefined,
  );
  if (unknown.length === 0) return;
  const details = unknown.map((change) => ({
    code: 'MalformedValue',
    target: change.path,
    message:
      'is not an allowed field: neither the cluster has it nor imply-runbooks knows it; check its spelling',
  }));
  const listing = details.map((detail) => `${detail.target}: ${detail.message}`).join('; ');
  throw new CloudManagerRejected(`Invalid cluster request: ${listing}`, {
    status: 400,
    code: 'BadArgument',
    details,
  });
}

/**
 * A restore puts back a configuration, not a power state: the body's `spec.desiredState` is the
 * live cluster's (left out when the live cluster does not show one). Changes `body`.
 */
function keepLivePowerState(body: Record<string, unknown>, live: ClusterConfig): void {
  if (!isPlainObject(body.spec)) return;
  const desired = live.spec.desiredState;
  if (desired === undefined) delete body.spec.desiredState;
  else body.spec.desiredState = desired;
}

/**
 * The PUT body that gives `cluster` (as GET or history returned it) the `changes`: the whole
 * cluster without its read-only fields, every field we do not model kept; with `live` (a restore
 * from history), `spec.desiredState` is the live cluster's. Throws CloudManagerRejected (400
 * BadArgument) naming the field when a known field is invalid (`data.tier1.replicas=0`) or a change
 * names a field neither the cluster nor the schema has (a misspelt path). Pure.
 */
export function requestFromCluster(
  cluster: unknown,
  changes: readonly SpecChange[],
  live?: ClusterConfig,
): ClusterRequest {
  const body = isPlainObject(cluster)
    ? (cloneJson(configOf(cluster as Cluster)) as Record<string, unknown>)
    : {};
  if (live) keepLivePowerState(body, live);
  checkChangePaths(body, changes);
  return parseClusterRequest(applySpecChanges(body, changes), 'keep');
}

/**
 * `requestFromCluster` for an activity: a request that is not valid (a misspelt path, replicas 0)
 * becomes a non-retried CloudManagerRejected failure naming the field.
 */
export function liveRequest(
  cluster: unknown,
  changes: readonly SpecChange[],
  live?: ClusterConfig,
): ClusterRequest {
  try {
    return requestFromCluster(cluster, changes, live);
  } catch (error) {
    if (error instanceof CloudManagerError) throw permanentFailure(FailureType.Rejected, error.message);
    throw error;
  }
}
