import { planCost } from '../activities/change-cost';
import { jsonEqual } from '../cloud-manager/diff';
import type { PriceTable } from '../config/prices';
import type { PlanCost } from '../shared/approval';
import { applySpecChanges } from '../shared/spec-changes';
import type { Cluster } from '../cloud-manager/schemas/cluster';
import { SCALE_PATH } from '../shared/change-policy';
import type { ChangeKind } from '../shared/change';
import { tagsOf } from '../shared/cluster-tags';
import type { SpecChange } from '../shared/spec-changes';
import { MANAGED_BY_TAG, type DesiredCluster, type SpecFolder } from './spec-folder';

/**
 * Desired (a folder of specs) against live (the account), per cluster. Pure. Only what a file sets is
 * compared: a field the file leaves out is the API's (defaults, fields we do not model) and never
 * drift. A list (awsTags, for instance) is compared as a whole, since a change sets single fields.
 */

export type PlanAction = 'create' | 'change' | 'delete' | 'unchanged' | 'unmanaged' | 'prunable';

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** One change request a cluster's change needs (an upgrade goes apart from the other fields). */
export interface PlannedRequest {
  kind: Extract<ChangeKind, 'scale' | 'update' | 'upgrade'>;
  changes: SpecChange[];
}

export interface PlanEntry {
  action: PlanAction;
  name: string;
  /** The spec file (create, change, unchanged). */
  file?: string;
  clusterId?: string;
  environment?: string;
  /** change: every field that differs, as a reviewer reads it. */
  fields?: FieldChange[];
  /** change: what apply sends to the cluster's change runbook. */
  requests?: PlannedRequest[];
  /** Fields that differ but no change request can set (a list): named, never sent. */
  cannotApply?: string[];
  /** What the cluster costs a month before and after (create: from 0; delete: to 0), with a price table. */
  cost?: PlanCost;
  /** Why, in one line: `prunable: managed by this folder and removed from it; apply --prune deletes it`. */
  note?: string;
}

function leaves(value: unknown, prefix: string, out: Array<[string, unknown]>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, `${prefix}.${key}`, out);
    return;
  }
  out.push([prefix, value]);
}

function valueAt(root: unknown, path: string): unknown {
  let current = root;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The fields a written spec sets that the live cluster holds otherwise (metadata.name excluded). Pure. */
export function fieldChanges(written: DesiredCluster['written'], live: Cluster): FieldChange[] {
  const set: Array<[string, unknown]> = [];
  leaves(written.spec, 'spec', set);
  const { name: _name, ...metadata } = written.metadata;
  leaves(metadata, 'metadata', set);
  return set
    .filter(([path, after]) => !jsonEqual(after, valueAt(live, path)))
    .map(([path, after]) => ({ path, before: valueAt(live, path), after }));
}

function isScalar(value: unknown): value is SpecChange['value'] {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The change requests of a cluster's field changes: the version as an upgrade, node-group sizes as a scale, the rest as an update. Pure. */
export function requestsFor(fields: readonly FieldChange[]): {
  requests: PlannedRequest[];
  cannotApply: string[];
} {
  const cannotApply = fields.filter((field) => !isScalar(field.after)).map((field) => field.path);
  const settable = fields.filter((field) => isScalar(field.after));
  const toChange = (field: FieldChange): SpecChange => ({
    path: field.path,
    value: field.after as SpecChange['value'],
  });
  const version = settable.filter((field) => field.path === 'spec.version').map(toChange);
  const rest = settable.filter((field) => field.path !== 'spec.version').map(toChange);
  const requests: PlannedRequest[] = [];
  if (version.length > 0) requests.push({ kind: 'upgrade', changes: version });
  if (rest.length > 0) {
    requests.push({
      kind: rest.every((change) => SCALE_PATH.test(change.path)) ? 'scale' : 'update',
      changes: rest,
    });
  }
  return { requests, cannotApply };
}

const GONE_STATES = new Set(['DELETING', 'DELETED']);

function managedBy(cluster: Cluster): string | undefined {
  return tagsOf(cluster).find((tag) => tag.name === MANAGED_BY_TAG)?.value;
}

/**
 * The plan of a folder against the live clusters of one environment (`environment` undefined: the
 * default one). Live clusters another environment's files name are not this environment's business.
 */
export function planFolder(
  folder: SpecFolder,
  live: readonly Cluster[],
  options: { environment?: string; prune?: boolean; prices?: PriceTable } = {},
): PlanEntry[] {
  const { prices } = options;
  const costOf = (before: Cluster | undefined, after: Pick<Cluster, 'spec'> | undefined) =>
    prices ? { cost: planCost(before ?? { spec: {} as Cluster['spec'] }, after, prices) } : {};
  const desired = folder.clusters.filter((cluster) => cluster.options.environment === options.environment);
  // A cluster on its way out (DELETING, DELETED: the listing keeps them a while) is not live.
  live = live.filter((cluster) => !GONE_STATES.has(String(cluster.status?.state ?? '')));
  const liveByName = new Map(live.map((cluster) => [cluster.metadata.name, cluster]));
  const where = options.environment ? { environment: options.environment } : {};
  const entries: PlanEntry[] = [];
  for (const cluster of desired) {
    const current = liveByName.get(cluster.name);
    if (!current) {
      entries.push({
        action: 'create',
        name: cluster.name,
        file: cluster.file,
        ...where,
        ...costOf(undefined, cluster.request as Pick<Cluster, 'spec'>),
      });
      continue;
    }
    const fields = fieldChanges(cluster.written, current);
    const base = { name: cluster.name, file: cluster.file, clusterId: current.metadata.uid, ...where };
    if (fields.length === 0) {
      entries.push({ action: 'unchanged', ...base });
      continue;
    }
    const { requests, cannotApply } = requestsFor(fields);
    const after = applySpecChanges(
      current,
      requests.flatMap((request) => request.changes),
    );
    entries.push({
      action: 'change',
      ...base,
      fields,
      requests,
      ...costOf(current, after),
      ...(cannotApply.length > 0
        ? {
            cannotApply,
            note: `${cannotApply.join(', ')}: a list, which a change cannot set: change it in the Imply console or recreate the cluster`,
          }
        : {}),
    });
  }
  const named = new Set(folder.clusters.map((cluster) => cluster.name));
  for (const cluster of live) {
    if (named.has(cluster.metadata.name)) continue;
    const base = { name: cluster.metadata.name, clusterId: cluster.metadata.uid, ...where };
    if (managedBy(cluster) !== folder.owner) {
      entries.push({ action: 'unmanaged', ...base, note: 'in the account, not in the folder: left alone' });
    } else if (options.prune) {
      entries.push({
        action: 'delete',
        ...base,
        ...costOf(cluster, undefined),
        note: `created from this folder (${MANAGED_BY_TAG}=${folder.owner}) and removed from it`,
      });
    } else {
      entries.push({
        action: 'prunable',
        ...base,
        note: `created from this folder (${MANAGED_BY_TAG}=${folder.owner}) and removed from it: --prune deletes it`,
      });
    }
  }
  return entries;
}

/** Whether applying the plan would do anything. Pure. */
export function hasChanges(entries: readonly PlanEntry[]): boolean {
  return entries.some(
    (entry) =>
      entry.action === 'create' ||
      entry.action === 'delete' ||
      (entry.action === 'change' && (entry.requests?.length ?? 0) > 0),
  );
}
