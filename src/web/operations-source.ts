import type { Client } from '@temporalio/client';
import { findKeepAlives, nodeGroupsOf, type KeepAliveRecord } from '../activities/fleet';
import type { CloudManagerClient } from '../cloud-manager/client';
import { describeNodes } from '../cloud-manager/cluster-text';
import { tagsOf, type Cluster } from '../cloud-manager/schemas/cluster';
import type { PriceTable } from '../config/prices';
import { previewPowerSchedule, type PreviewSlot, type SchedulePreview } from '../schedules/schedule-preview';
import { listPowerSchedules, type PowerScheduleListing } from '../schedules/schedule-service';
import { HOURS_PER_MONTH } from '../shared/cost';
import { hourlyPrice } from '../shared/prices';
import { changeWorkflowId } from '../shared/runbook-ids';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';

/**
 * What the operations page shows, read fresh on each request: the clusters of every environment
 * (Cloud Manager), their keep-alives, the runbooks acting on them and the schedules that cover them
 * (Temporal). Reads only.
 */

export interface OperationsOptions {
  /** A Temporal Client on the runbooks' namespace: the page starts runbooks and reads schedules. */
  client: Client;
  namespace: string;
  /** The base task queue (IMPLY_RUNBOOKS_TASK_QUEUE): each environment's queue derives from it. */
  baseTaskQueue: string;
  /** Environment name → its Cloud Manager client, or why it could not be made. */
  apis: Record<string, CloudManagerClient | { problem: string }>;
  prices: PriceTable;
  /** The Temporal UI address of a runbook, when one is known. */
  uiLink?: (runbookId: string) => string | undefined;
}

/** A runbook running now on a cluster, as visibility shows it. */
export interface ActingRunbook {
  runbookId: string;
  kind: string;
  step?: string;
}

/** The next slot of a schedule that concerns a cluster: it acts, or it skips it and why. */
export interface ClusterSlot {
  schedule: string;
  timeZone: string;
  slot: PreviewSlot;
  skipped?: string;
}

export interface ClusterRow {
  environment: string;
  cluster: Cluster;
  id: string;
  name: string;
  state: string;
  resourceVersion?: number;
  nodes: string;
  tags: Record<string, string>;
  /** Per month of running, from the price table; undefined when an instance type has no price. */
  monthlyCost?: number;
  keepAlive?: KeepAliveRecord;
  acting?: ActingRunbook;
  /** The next slot of each schedule that selects it. */
  slots: ClusterSlot[];
}

export interface ClustersView {
  rows: ClusterRow[];
  /** Environments whose clusters could not be listed, and why. */
  problems: Array<{ environment: string; problem: string }>;
  previews: SchedulePreview[];
  currency: string;
}

/** `change:`: the runbooks that change one cluster (change and power) share it. */
const CHANGE_PREFIX = changeWorkflowId('');

/** The running runbooks whose id is `change:<uid>`, by cluster id. Read-only. */
async function actingRunbooks(client: Client): Promise<Map<string, ActingRunbook>> {
  const acting = new Map<string, ActingRunbook>();
  for await (const execution of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    if (!execution.workflowId.startsWith(CHANGE_PREFIX)) continue;
    const attributes = execution.typedSearchAttributes;
    acting.set(execution.workflowId.slice(CHANGE_PREFIX.length), {
      runbookId: execution.workflowId,
      kind: attributes.get(SEARCH_ATTRIBUTES.kind) ?? execution.type,
      ...(attributes.get(SEARCH_ATTRIBUTES.step) ? { step: attributes.get(SEARCH_ATTRIBUTES.step) } : {}),
    });
  }
  return acting;
}

/** Each schedule's next 7 days (the `schedule preview` code), with the listing it came from. Read-only. */
export async function schedulePreviews(
  options: OperationsOptions,
  days = 7,
): Promise<Array<{ listing: PowerScheduleListing; preview?: SchedulePreview; problem?: string }>> {
  const listings = await listPowerSchedules(options.client);
  return Promise.all(
    listings.map(async (listing) => {
      const api = options.apis[listing.environment];
      if (!api || 'problem' in api) {
        return { listing, problem: api?.problem ?? `environment ${listing.environment} is not configured` };
      }
      try {
        const preview = await previewPowerSchedule(options.client, options.namespace, api, {
          name: listing.name,
          days,
          prices: options.prices,
        });
        return { listing, preview };
      } catch (error) {
        return { listing, problem: (error as Error).message };
      }
    }),
  );
}

/** Each schedule's next stop and next start that concern the cluster (acting on it, or skipping it and why). Pure. */
export function slotsFor(name: string, previews: SchedulePreview[]): ClusterSlot[] {
  const found: ClusterSlot[] = [];
  for (const preview of previews) {
    const seen = new Set<string>();
    for (const slot of preview.slots) {
      if (seen.has(slot.action)) continue;
      const skipped = slot.skipped.find((entry) => entry.cluster === name);
      if (!skipped && !slot.acts.includes(name)) continue;
      seen.add(slot.action);
      const base = { schedule: preview.name, timeZone: preview.timeZone, slot };
      found.push(skipped ? { ...base, skipped: skipped.reason } : base);
    }
  }
  return found.sort((left, right) => Date.parse(left.slot.at) - Date.parse(right.slot.at));
}

function monthlyCost(cluster: Cluster, prices: PriceTable): number | undefined {
  const unpriced = new Set<string>();
  const hourly = hourlyPrice(nodeGroupsOf(cluster), prices, unpriced);
  return unpriced.size > 0 ? undefined : hourly * HOURS_PER_MONTH;
}

/** Every cluster of every environment with what acts on it. Read-only. */
export async function readClusters(options: OperationsOptions): Promise<ClustersView> {
  const environments = Object.entries(options.apis);
  const [listed, keepAlives, acting, scheduled] = await Promise.all([
    Promise.allSettled(
      environments.map(([, api]) =>
        'problem' in api ? Promise.reject(new Error(api.problem)) : api.listClusters(),
      ),
    ),
    findKeepAlives(options.client),
    actingRunbooks(options.client),
    schedulePreviews(options),
  ]);
  const previews = scheduled.flatMap((entry) => (entry.preview ? [entry.preview] : []));
  const rows: ClusterRow[] = [];
  const problems: ClustersView['problems'] = [];
  listed.forEach((result, index) => {
    const environment = environments[index]![0];
    if (result.status === 'rejected') {
      problems.push({ environment, problem: String((result.reason as Error)?.message ?? result.reason) });
      return;
    }
    for (const cluster of result.value) {
      const id = cluster.metadata.uid;
      rows.push({
        environment,
        cluster,
        id,
        name: cluster.metadata.name,
        state: cluster.status?.state ?? 'UNKNOWN',
        resourceVersion: cluster.status?.resourceVersion,
        nodes: describeNodes(cluster),
        tags: Object.fromEntries(tagsOf(cluster).map((tag) => [tag.name, tag.value])),
        monthlyCost: monthlyCost(cluster, options.prices),
        keepAlive: keepAlives.find((record) => record.clusterId === id),
        acting: acting.get(id),
        slots: slotsFor(cluster.metadata.name, previews),
      });
    }
  });
  rows.sort(
    (left, right) => left.environment.localeCompare(right.environment) || left.name.localeCompare(right.name),
  );
  return { rows, problems, previews, currency: options.prices.currency };
}

/** The filters of the clusters view, from the query string: environment, tag (`key=value`), state. */
export interface ClusterFilters {
  environment?: string;
  tag?: string;
  state?: string;
}

/** The rows the filters let through. Pure. */
export function filterClusters(rows: ClusterRow[], filters: ClusterFilters): ClusterRow[] {
  const [tagKey, tagValue] = (filters.tag ?? '').split('=', 2);
  return rows.filter(
    (row) =>
      (!filters.environment || row.environment === filters.environment) &&
      (!filters.state || row.state === filters.state.toUpperCase()) &&
      (!tagKey || (tagValue === undefined ? tagKey in row.tags : row.tags[tagKey] === tagValue)),
  );
}
