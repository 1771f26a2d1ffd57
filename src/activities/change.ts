import type { CloudManagerClient } from '../cloud-manager/client';
import { diffClusters, formatDiff } from '../cloud-manager/diff';
import { tagsOf, type Cluster, type ClusterRequest } from '../cloud-manager/schemas/cluster';
import type { ChangePlan } from '../shared/approval';
import { LAST_CHANGE_MEMO, type ChangeRequest, type LastChange } from '../shared/change';
import { describeRequest } from '../shared/change-policy';
import { changeWorkflowId } from '../shared/runbook-ids';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { loadPrices, type PriceTable } from '../config/prices';
import type { ClusterConfig } from './clusters';
import { planCost } from './change-cost';
import { configOf, liveRequest } from './change-request';
import { callApi, FailureType, permanentFailure } from './failures';
import type { TemporalAccess } from './fleet';

/** A change planned against the cluster as it is now: what the gate shows and the PUT applies. */
export interface PlannedChange {
  plan: Omit<ChangePlan, 'version'>;
  /** The PUT body (absent for a delete): the current configuration with the change applied. */
  request?: ClusterRequest;
  /** The configuration the plan was made against: what verification and rollback compare with. */
  before: ClusterConfig;
  state: string;
  tags: Array<{ name: string; value: string }>;
}

/** A PUT needs RUNNING (or FAILED, to recover): a stopped cluster would answer 409 for as long as we retry. */
function checkChangeable(cluster: Cluster, request: ChangeRequest): void {
  const state = String(cluster.status?.state ?? 'UNKNOWN');
  if (request.kind === 'delete' || !['STOPPED', 'STOPPING', 'STARTING'].includes(state)) return;
  throw permanentFailure(
    FailureType.Rejected,
    `cluster ${cluster.metadata.name} is ${state}: a ${request.kind} needs it RUNNING; ` +
      `start it first (imply-runbooks start ${cluster.metadata.name})`,
  );
}

async function targetRequest(
  api: CloudManagerClient,
  current: Cluster,
  request: ChangeRequest,
): Promise<ClusterRequest> {
  if (request.kind !== 'restore') return liveRequest(current, request.changes ?? []);
  // History returns the whole configuration of that version, unmodelled fields included: put it
  // all back, at today's power state.
  const past = await callApi(() => api.getClusterVersion(current.metadata.uid, request.toVersion ?? -1));
  return liveRequest(past, [], configOf(current));
}

/** Change plans, read-only: the cluster, a dryRun PUT of the change, and the diff between them. */
export const changeActivities = ({
  api,
  temporal,
  prices = loadPrices(),
}: {
  api: CloudManagerClient;
  temporal?: TemporalAccess;
  /** The worker's price table (the savings report's): every plan carries its monthly cost. Absent: the default one. */
  prices?: PriceTable;
}) => ({
  /**
   * Reads the cluster, builds the PUT body from its current configuration (restore: from history)
   * with `request` applied, validates it with a dryRun PUT and lists what would change field by
   * field, with the monthly cost before and after by the worker's prices. A delete is planned
   * without a request (its cost after is 0). Changes nothing; safe to retry.
   */
  async planClusterChange(clusterId: string, request: ChangeRequest): Promise<PlannedChange> {
    const current = await callApi(() => api.getCluster(clusterId));
    checkChangeable(current, request);
    const base = {
      clusterId,
      clusterName: current.metadata.name,
      resourceVersion: current.status?.resourceVersion ?? 0,
      requester: request.requester,
      ...(request.reason ? { reason: request.reason } : {}),
      createdAt: new Date().toISOString(),
    };
    const context = {
      before: configOf(current),
      state: String(current.status?.state ?? 'UNKNOWN'),
      tags: tagsOf(current),
    };
    if (request.kind === 'delete') {
      const line = `delete cluster ${current.metadata.name} (${clusterId}): afterwards every request by its id answers 404`;
      const changes = [{ path: 'cluster', kind: 'removed' as const, before: current.metadata.name }];
      const cost = planCost(current, undefined, prices);
      return { plan: { ...base, changes, diffLines: [line], cost }, ...context };
    }
    const target = await targetRequest(api, current, request);
    const body: ClusterRequest = { ...target, metadata: { ...target.metadata, uid: clusterId } };
    // Diff the dryRun answer: both sides then carry the defaults the API fills in.
    const wouldBe = await callApi(() =>
      api.replaceCluster(clusterId, body, { dryRun: true, unknownFields: 'keep' }),
    );
    const entries = diffClusters(configOf(current), configOf(wouldBe));
    const diffLines = entries.length > 0 ? formatDiff(entries).split('\n') : [];
    const plan = {
      ...base,
      changes: entries.map((entry) => ({ ...entry })),
      diffLines,
      cost: planCost(current, wouldBe, prices),
    };
    return {
      plan: { ...plan, reason: plan.reason ?? describeRequest(request) },
      request: target,
      ...context,
    };
  },

  /**
   * When a change runbook last applied a change to the cluster (the memo of its closed runs, through
   * the worker's Temporal client), for the cooldown; undefined when none did. Read-only.
   */
  async lastAppliedChange(clusterId: string): Promise<LastChange | undefined> {
    if (!temporal) {
      throw permanentFailure(
        'CooldownUnknown',
        'the worker has no Temporal client to read past changes, so the cooldown cannot be checked',
      );
    }
    const workflowId = changeWorkflowId(clusterId).replace(/'/g, '');
    const query = `WorkflowId = '${workflowId}' AND ${SEARCH_ATTRIBUTES.kind.name} = 'change' AND ExecutionStatus != 'Running'`;
    let latest: LastChange | undefined;
    let seen = 0;
    for await (const execution of temporal.client.workflow.list({ query })) {
      const recorded = execution.memo?.[LAST_CHANGE_MEMO] as LastChange | undefined;
      if (recorded?.appliedAt && (!latest || recorded.appliedAt > latest.appliedAt)) latest = recorded;
      if (++seen >= 20) break;
    }
    return latest;
  },
});

export type ChangeActivities = ReturnType<typeof changeActivities>;
