import type { CloudManagerClient } from '../cloud-manager/client';
import { diffClusters, formatDiff } from '../cloud-manager/diff';
import type { ClusterRequest } from '../cloud-manager/schemas/cluster';
import type { ChangePlan } from '../shared/approval';
import type { SpecChange } from '../shared/spec-changes';
import { loadPrices, type PriceTable } from '../config/prices';
import { planCost } from './change-cost';
import { configOf, liveRequest } from './change-request';
import { callApi } from './failures';

/** Plans of changes for the approval gate; they read and validate, never write. */
export const planActivities = ({
  api,
  prices = loadPrices(),
}: {
  api: CloudManagerClient;
  /** The worker's price table; absent: the default one. */
  prices?: PriceTable;
}) => ({
  /**
   * Reads the cluster, validates replacing its configuration by a dryRun PUT, and lists field by
   * field what would change. With `changes`, the PUT body is the cluster's live configuration with
   * those changes (what the apply will send, so nothing else moves); without (runbooks started
   * before that), `request` itself; with the monthly cost before and after. Read-only; safe to
   * retry. The gate numbers the plan.
   */
  async planChange(
    clusterId: string,
    request: ClusterRequest,
    requester: string,
    reason?: string,
    changes?: SpecChange[],
  ): Promise<Omit<ChangePlan, 'version'>> {
    const current = await callApi(() => api.getCluster(clusterId));
    const target = changes ? liveRequest(configOf(current), changes) : request;
    const body: ClusterRequest = { ...target, metadata: { ...target.metadata, uid: clusterId } };
    // Diff the dryRun answer, not the request: both sides then carry the defaults the API fills in,
    // so only the fields the change really moves show up.
    const wouldBe = await callApi(() =>
      api.replaceCluster(clusterId, body, { dryRun: true, unknownFields: 'keep' }),
    );
    const entries = diffClusters(configOf(current), configOf(wouldBe));
    const plan: Omit<ChangePlan, 'version'> = {
      clusterId,
      clusterName: current.metadata.name,
      resourceVersion: current.status?.resourceVersion ?? 0,
      changes: entries.map((entry) => ({ ...entry })),
      diffLines: entries.length > 0 ? formatDiff(entries).split('\n') : [],
      requester,
      createdAt: new Date().toISOString(),
      cost: planCost(current, wouldBe, prices),
    };
    if (reason !== undefined) plan.reason = reason;
    return plan;
  },
});

export type PlanActivities = ReturnType<typeof planActivities>;
