import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { isInProgress, observationKey as key } from '../shared/cluster-states';
import type { CloudManagerClient } from '../cloud-manager/client';
import { tagsOf, DATA_TIERS, type Cluster } from '../cloud-manager/schemas/cluster';
import type {
  ClusterObservation,
  ClusterSelector,
  FleetCluster,
  KeepAlive,
  NodeGroup,
} from '../shared/power';
import { OWNER_TAG } from '../shared/off-hours';
import { changeWorkflowId } from '../shared/runbook-ids';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { isOptedOut, matchesSelector, type SelectableCluster } from '../shared/selector';
import { summarize, type ClusterSummary } from './clusters';
import { callApi, permanentFailure } from './failures';

export type { FleetCluster } from '../shared/power';

export interface FleetSelection {
  clusters: FleetCluster[];
  /** Ids or names the selector lists explicitly that match no live cluster. */
  missing: string[];
}

/** A keep-alive as visibility shows it: the override plus its workflow's status (the audit trail). */
export interface KeepAliveRecord extends KeepAlive {
  workflowId: string;
  status: string;
  closedAt?: string;
}

/** The Temporal client activities use to read visibility; the worker's own connection. */
export interface TemporalAccess {
  client: Client;
  namespace: string;
}

const GONE_STATES = new Set(['DELETING', 'DELETED']);
const KEEP_ALIVE_KIND = 'keep-alive';

function selectable(cluster: Cluster): SelectableCluster {
  return {
    id: cluster.metadata.uid,
    name: cluster.metadata.name,
    tags: tagsOf(cluster),
  };
}

/** What a cluster runs on, per node group: what it costs per hour while running. Pure. */
export function nodeGroupsOf(cluster: Pick<Cluster, 'spec'>): NodeGroup[] {
  const groups: NodeGroup[] = [];
  const add = (group: string, tier: { replicas: number; instanceType: string } | undefined) => {
    if (tier) groups.push({ group, instanceType: tier.instanceType, replicas: tier.replicas });
  };
  add('master', cluster.spec.master);
  add('query', cluster.spec.query);
  for (const name of DATA_TIERS) add(`data.${name}`, cluster.spec.data?.[name]);
  return groups;
}

function isKeepAlive(value: unknown): value is KeepAlive {
  const candidate = value as Partial<KeepAlive> | undefined;
  return typeof candidate?.clusterId === 'string' && typeof candidate.until === 'string';
}

/**
 * Keep-alive overrides from Temporal visibility (workflows of kind `keep-alive`, the override in
 * their memo): running ones whose time has not passed, or with `all` every one ever set. Read-only.
 */
export async function findKeepAlives(
  client: Client,
  options: { all?: boolean; now?: number } = {},
): Promise<KeepAliveRecord[]> {
  const now = options.now ?? Date.now();
  const running = options.all ? '' : ` AND ExecutionStatus = 'Running'`;
  const query = `${SEARCH_ATTRIBUTES.kind.name} = '${KEEP_ALIVE_KIND}'${running}`;
  const records: KeepAliveRecord[] = [];
  for await (const execution of client.workflow.list({ query })) {
    const keepAlive = execution.memo?.keepAlive;
    if (!isKeepAlive(keepAlive)) continue;
    const status = execution.status.name;
    // A worker that was down may not have woken the workflow at `until` yet: expired all the same.
    if (!options.all && Date.parse(keepAlive.until) <= now) continue;
    records.push({
      ...keepAlive,
      workflowId: execution.workflowId,
      status,
      closedAt: execution.closeTime?.toISOString(),
    });
  }
  return records;
}

function observe(clusters: Cluster[], watched: Array<{ clusterId: string }>): ClusterObservation[] {
  const listed = new Map(clusters.map((cluster) => [cluster.metadata.uid, cluster]));
  return watched.map(({ clusterId }): ClusterObservation => {
    const cluster = listed.get(clusterId);
    if (!cluster) return { clusterId, state: 'DELETED', resourceVersion: -1, gone: true };
    const { state, resourceVersion, desiredState } = summarize(cluster);
    return {
      clusterId,
      state,
      resourceVersion,
      ...(desiredState === undefined ? {} : { desiredState }),
      ...(state === 'DELETED' ? { gone: true } : {}),
    };
  });
}

/** Activities of the fleet run and the power runbook; reads only. */
export const fleetActivities = ({
  api,
  temporal,
}: {
  api: CloudManagerClient;
  temporal?: TemporalAccess;
}) => ({
  /**
   * Lists the live clusters the selector picks (one API call, filtered here so thousands of clusters
   * never enter history), marking opted-out ones, and the explicit ids that match none. Read-only.
   */
  async selectClusters(selector: ClusterSelector): Promise<FleetSelection> {
    const live = (await callApi(() => api.listClusters())).filter(
      (cluster) => !GONE_STATES.has(String(cluster.status?.state ?? '')),
    );
    const clusters = live.flatMap((cluster): FleetCluster[] => {
      const view = selectable(cluster);
      if (!matchesSelector(view, selector)) return [];
      const { state, resourceVersion } = summarize(cluster);
      const optedOut = isOptedOut(view, selector);
      const owner = view.tags.find((tag) => tag.name === OWNER_TAG)?.value;
      const nodes = nodeGroupsOf(cluster);
      return [
        {
          id: view.id,
          name: view.name,
          state,
          resourceVersion,
          optedOut,
          nodes,
          ...(owner ? { owner } : {}),
        },
      ];
    });
    const missing = (selector.clusters ?? []).filter(
      (wanted) => !clusters.some((cluster) => cluster.id === wanted || cluster.name === wanted),
    );
    return { clusters, missing };
  },

  /**
   * The fleet's shared read: one list call, answering for each watched cluster its state, resource
   * version and desiredState, or that it is gone (not listed, or DELETED). Only the watched clusters
   * enter history. With `intervalMs` it reads again every `intervalMs`, heartbeating, until a
   * watched cluster rests in a state other than its `last` (`STATE@version`) or is gone, or
   * `maxWaitMs` passed: the fleet's wait for its last stops, without a timer's second per read.
   * Read-only.
   */
  async observeClusters(
    watched: Array<{ clusterId: string; last: string }>,
    options: { intervalMs?: number; maxWaitMs?: number } = {},
  ): Promise<ClusterObservation[]> {
    const deadline = Date.now() + (options.maxWaitMs ?? 0);
    for (;;) {
      const observations = observe(await callApi(() => api.listClusters()), watched);
      const moved = observations.some(
        (seen, index) => seen.gone || (!isInProgress(seen.state) && key(seen) !== watched[index]?.last),
      );
      if (moved || options.intervalMs === undefined || Date.now() + options.intervalMs > deadline)
        return observations;
      Context.current().heartbeat();
      await Context.current().sleep(options.intervalMs);
    }
  },

  /** Reads a cluster's state and its node groups (what it costs running). Read-only. */
  async readClusterPower(clusterId: string): Promise<{ summary: ClusterSummary; nodes: NodeGroup[] }> {
    const cluster = await callApi(() => api.getCluster(clusterId));
    return { summary: summarize(cluster), nodes: nodeGroupsOf(cluster) };
  },

  /**
   * Kept only for power runbooks recorded before the patch `power-no-lifecycle-guard`, which may
   * still schedule it: answers that no lifecycle is changing the cluster, because since then every
   * change a lifecycle makes runs on `change:<uid>`, the power runbook's own id. Remove with the patch.
   */
  async findLifecycleChange(clusterId: string): Promise<{ runbookId: string; step: string } | undefined> {
    void clusterId;
    return undefined;
  },

  /** The runbook running on `change:<uid>` now (a change or a stop/start), if any. Read-only. */
  async findClusterChange(
    clusterId: string,
  ): Promise<{ runbookId: string; kind: string; step: string } | undefined> {
    if (!temporal) return undefined;
    const runbookId = changeWorkflowId(clusterId);
    try {
      const description = await temporal.client.workflow.getHandle(runbookId).describe();
      if (description.status.name !== 'RUNNING') return undefined;
      return {
        runbookId,
        kind: description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) ?? description.type,
        step: description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.step) ?? '',
      };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  },

  /** The keep-alive overrides in force, from Temporal visibility. Read-only; safe to retry. */
  async listKeepAlives(): Promise<KeepAlive[]> {
    if (!temporal) {
      // Stopping a cluster someone asked to keep alive is worse than not running: fail loudly.
      throw permanentFailure(
        'WorkerMisconfigured',
        'this worker has no Temporal client for keep-alive lookups: start it with `imply-runbooks worker`',
      );
    }
    const records = await findKeepAlives(temporal.client);
    return records.map(({ clusterId, clusterName, until, reason, setBy, setAt }) => ({
      clusterId,
      clusterName,
      until,
      reason,
      setBy,
      setAt,
    }));
  },
});

export type FleetActivities = ReturnType<typeof fleetActivities>;
