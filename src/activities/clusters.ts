import type { CloudManagerClient } from '../cloud-manager/client';
import { CloudManagerError } from '../cloud-manager/errors';
import type { Cluster, ClusterRequest, DesiredState } from '../cloud-manager/schemas/cluster';
import { containsAll, type SpecChange } from '../shared/spec-changes';
import { configOf, liveRequest, type ClusterConfig } from './change-request';
import { callApi, FailureType, permanentFailure, toApplicationFailure } from './failures';

/** The small view of a cluster that polling needs: kept small because every poll lands in history. */
export interface ClusterSummary {
  uid: string;
  name: string;
  state: string;
  resourceVersion: number;
  desiredState?: DesiredState;
}

/** A cluster's configuration without its status: what history entries hold and PUT takes. */
export type { ClusterConfig } from './change-request';

export function summarize(cluster: Cluster): ClusterSummary {
  return {
    uid: cluster.metadata.uid,
    name: cluster.metadata.name,
    state: String(cluster.status?.state ?? 'UNKNOWN'),
    resourceVersion: cluster.status?.resourceVersion ?? 0,
    // The API reference shows it in the spec; the emulator's trimmed (tutorial) outputs only in status.
    desiredState: cluster.spec.desiredState ?? cluster.status?.desiredState,
  };
}

/** The request as it should show in the cluster, `desiredState` aside (power is not a change's business). */
function comparable(request: ClusterRequest): ClusterConfig {
  const { desiredState: _desiredState, ...spec } = request.spec;
  return { ...request, metadata: request.metadata as Cluster['metadata'], spec };
}

const isNotFound = (error: unknown) => error instanceof CloudManagerError && error.status === 404;

/** One activity per Cloud Manager call; tokens stay inside `api`, never in inputs or results. */
export const clusterActivities = ({ api }: { api: CloudManagerClient }) => ({
  /** Validates a cluster with a dryRun create and checks its name is free. Changes nothing; safe to retry. */
  async validateCluster(request: ClusterRequest): Promise<{ name: string }> {
    const existing = await callApi(() => api.findClusterByName(request.metadata.name));
    if (existing) {
      throw permanentFailure(
        FailureType.Rejected,
        `a cluster named "${request.metadata.name}" already exists (${existing.metadata.uid}); ` +
          'choose another metadata.name, or delete that cluster first',
      );
    }
    const wouldBe = await callApi(() => api.createCluster(request, { dryRun: true }));
    return { name: wouldBe.metadata.name };
  },

  /**
   * Creates the cluster unless an earlier attempt of this step already did (a lost response after
   * the commit): the runbook checked the name was free before, so a live cluster of that name is ours.
   */
  async createCluster(request: ClusterRequest): Promise<ClusterSummary> {
    const existing = await callApi(() => api.findClusterByName(request.metadata.name));
    if (existing) return summarize(existing);
    return summarize(await callApi(() => api.createCluster(request)));
  },

  /** Reads a cluster's state and version. Read-only. */
  async getClusterSummary(clusterId: string): Promise<ClusterSummary> {
    return summarize(await callApi(() => api.getCluster(clusterId)));
  },

  /** Reads a cluster's whole configuration and summary. Read-only. */
  async getClusterConfig(clusterId: string): Promise<{ config: ClusterConfig; summary: ClusterSummary }> {
    const cluster = await callApi(() => api.getCluster(clusterId));
    return { config: configOf(cluster), summary: summarize(cluster) };
  },

  /** Reads the configuration a cluster had at one resource version. Read-only. */
  async getClusterVersion(clusterId: string, resourceVersion: number): Promise<ClusterConfig> {
    return configOf(await callApi(() => api.getClusterVersion(clusterId, resourceVersion)));
  },

  /**
   * Replaces the configuration (PUT) if the cluster is still at `expectedResourceVersion`. With
   * `changes`, the body is the configuration at that version with those changes applied (so a scale
   * moves only what it names); without, `request` as given. Safe to retry: when an earlier attempt's
   * change already landed, it returns that instead of applying twice; a change by someone else since
   * the plan fails without writing.
   */
  async replaceCluster(
    clusterId: string,
    request: ClusterRequest,
    options: { expectedResourceVersion: number; force?: boolean; changes?: SpecChange[] },
  ): Promise<ClusterSummary> {
    const current = await callApi(() => api.getCluster(clusterId));
    const version = current.status?.resourceVersion ?? 0;
    const expected = options.expectedResourceVersion;
    const target = async () => {
      if (!options.changes) return request;
      const base =
        version === expected ? current : await callApi(() => api.getClusterVersion(clusterId, expected));
      return liveRequest(configOf(base), options.changes);
    };
    if (version !== expected) {
      if (version > expected && containsAll(configOf(current), comparable(await target()))) {
        return summarize(current);
      }
      throw permanentFailure(
        FailureType.Rejected,
        `cluster ${clusterId} changed since the plan (resource version ${expected} → ${version}); ` +
          'nothing was applied: review the cluster and run the change again',
      );
    }
    const wanted = await target();
    const body: ClusterRequest = { ...wanted, metadata: { ...wanted.metadata, uid: clusterId } };
    // Every body here is built from what the API returned (or a request checked strictly at the
    // runbook's start): fields we do not model go back as they came.
    const put = { force: options.force, unknownFields: 'keep' } as const;
    return summarize(await callApi(() => api.replaceCluster(clusterId, body, put)));
  },

  /** Sets `desiredState` with a merge patch. Idempotent in the API: safe to retry. */
  async setDesiredState(clusterId: string, desiredState: DesiredState): Promise<ClusterSummary> {
    return summarize(await callApi(() => api.patchCluster(clusterId, { spec: { desiredState } })));
  },

  /** Deletes a cluster. Safe to retry: a cluster that already answers 404 counts as deleted. */
  async deleteCluster(clusterId: string): Promise<void> {
    try {
      await api.deleteCluster(clusterId);
    } catch (error) {
      if (!isNotFound(error)) throw toApplicationFailure(error);
    }
  },

  /** True once requests by this id answer 404, as they do after a delete. Read-only. */
  async isClusterGone(clusterId: string): Promise<boolean> {
    try {
      await api.getCluster(clusterId);
      return false;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw toApplicationFailure(error);
    }
  },
});

export type ClusterActivities = ReturnType<typeof clusterActivities>;
