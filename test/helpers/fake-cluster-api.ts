import { ApplicationFailure } from '@temporalio/activity';
import type { Activities, ClusterConfig, ClusterSummary } from '../../src/activities';
import type { ChangeActivities } from '../../src/activities/change';
import type { FleetActivities } from '../../src/activities/fleet';
import { diffClusters, formatDiff } from '../../src/cloud-manager/diff';
import type { ClusterRequest, DesiredState } from '../../src/cloud-manager/schemas/cluster';
import type { ApprovalEvent } from '../../src/shared/approval';
import { FailureType } from '../../src/shared/failure-types';

interface FakeCluster {
  config: ClusterConfig;
  state: string;
  target: string;
  pollsLeft: number;
  history: ClusterConfig[];
  desiredState: DesiredState;
  gone: boolean;
}

export interface FakeOptions {
  /** How many polls a transition stays in its busy state before it settles. */
  transitionPolls?: number;
  /** Transitions that end in FAILED instead, by target state ('RUNNING' after create or update). */
  failTransitionTo?: string;
  /** Never settle: the cluster stays busy forever. */
  neverSettle?: boolean;
}

/**
 * An in-memory Cloud Manager behind the activity interface, for workflow tests: the workflow is the
 * thing under test, so its collaborator may be fake. Records every call by activity name.
 */
export function fakeClusterApi(options: FakeOptions = {}) {
  const clusters = new Map<string, FakeCluster>();
  const calls: string[] = [];
  /** Every approval notification the gate sent, in order. */
  const notifications: ApprovalEvent[] = [];
  let next = 1;
  const transition = (cluster: FakeCluster, busy: string, target: string) => {
    cluster.state = busy;
    cluster.target = target;
    cluster.pollsLeft = options.transitionPolls ?? 2;
  };
  const summary = (uid: string, cluster: FakeCluster): ClusterSummary => ({
    uid,
    name: cluster.config.metadata.name,
    state: cluster.state,
    resourceVersion: cluster.history.length - 1,
    desiredState: cluster.desiredState,
  });
  const find = (uid: string) => {
    const cluster = clusters.get(uid);
    if (!cluster || cluster.gone) {
      throw ApplicationFailure.create({
        type: FailureType.Rejected,
        nonRetryable: true,
        message: `${uid} not found`,
      });
    }
    return cluster;
  };
  const record = (change: ClusterConfig, cluster: FakeCluster) => {
    cluster.config = structuredClone(change);
    cluster.history.push(structuredClone(change));
  };

  // The fleet's activities come from fake-fleet-api.ts, the change runbook's from test/workflows/change-harness.ts;
  // drift checks run against the real activities over the emulator (test/e2e/gitops.test.ts).
  const activities: Omit<
    Activities,
    | 'planDrift'
    | 'notifyDrift'
    | 'openDriftChanges'
    | keyof FleetActivities
    | 'notifyFleetRun'
    | 'notifyOffHours'
    | keyof ChangeActivities
    | 'notifyChange'
    | 'shrinkTarget'
    | 'readShrinkRecord'
  > = {
    async validateCluster(request: ClusterRequest) {
      calls.push('validateCluster');
      return { name: request.metadata.name };
    },
    async createCluster(request: ClusterRequest) {
      calls.push('createCluster');
      const uid = `uid-${next++}`;
      const config = { metadata: { name: request.metadata.name, uid }, spec: structuredClone(request.spec) };
      const cluster: FakeCluster = {
        config,
        state: 'CREATING',
        target: 'RUNNING',
        pollsLeft: 0,
        history: [structuredClone(config)],
        desiredState: 'STARTED',
        gone: false,
      };
      transition(cluster, 'CREATING', 'RUNNING');
      clusters.set(uid, cluster);
      return summary(uid, cluster);
    },
    async getClusterSummary(uid: string) {
      calls.push('getClusterSummary');
      const cluster = find(uid);
      if (cluster.state !== cluster.target && !options.neverSettle) {
        if (cluster.pollsLeft-- <= 0) {
          cluster.state = options.failTransitionTo === cluster.target ? 'FAILED' : cluster.target;
        }
      }
      return summary(uid, cluster);
    },
    async getClusterConfig(uid: string) {
      calls.push('getClusterConfig');
      const cluster = find(uid);
      return { config: structuredClone(cluster.config), summary: summary(uid, cluster) };
    },
    async getClusterVersion(uid: string, version: number) {
      calls.push('getClusterVersion');
      const entry = find(uid).history[version];
      if (!entry)
        throw ApplicationFailure.create({
          type: FailureType.Rejected,
          nonRetryable: true,
          message: 'no version',
        });
      return structuredClone(entry);
    },
    async replaceCluster(uid: string, request: ClusterRequest) {
      calls.push('replaceCluster');
      const cluster = find(uid);
      record(
        { metadata: { name: request.metadata.name, uid }, spec: structuredClone(request.spec) },
        cluster,
      );
      transition(cluster, 'UPDATING', 'RUNNING');
      return summary(uid, cluster);
    },
    async planChange(uid: string, request: ClusterRequest, requester: string, reason?: string) {
      calls.push('planChange');
      const cluster = find(uid);
      const wouldBe = { metadata: { name: request.metadata.name, uid }, spec: request.spec };
      const entries = diffClusters(cluster.config, wouldBe);
      return {
        clusterId: uid,
        clusterName: cluster.config.metadata.name,
        resourceVersion: cluster.history.length - 1,
        changes: entries,
        diffLines: entries.length > 0 ? formatDiff(entries).split('\n') : [],
        requester,
        ...(reason === undefined ? {} : { reason }),
        createdAt: new Date().toISOString(),
      };
    },
    async notifyApproval(event: ApprovalEvent) {
      calls.push(`notifyApproval:${event.kind}`);
      notifications.push(structuredClone(event));
    },
    async setDesiredState(uid: string, desiredState: DesiredState) {
      calls.push(`setDesiredState:${desiredState}`);
      const cluster = find(uid);
      if (cluster.desiredState !== desiredState) {
        // As the API: a change while a transition is in flight is a 409 (asking again for where it heads is not).
        if (['CREATING', 'UPDATING', 'STOPPING', 'STARTING'].includes(cluster.state)) {
          throw ApplicationFailure.create({
            type: FailureType.ClusterBusy,
            message: `cluster ${uid} is ${cluster.state}`,
          });
        }
        cluster.desiredState = desiredState;
        record(cluster.config, cluster);
        if (desiredState === 'STOPPED') transition(cluster, 'STOPPING', 'STOPPED');
        else transition(cluster, 'STARTING', 'RUNNING');
      }
      return summary(uid, cluster);
    },
    async deleteCluster(uid: string) {
      calls.push('deleteCluster');
      find(uid).gone = true;
    },
    async isClusterGone(uid: string) {
      calls.push('isClusterGone');
      return clusters.get(uid)?.gone ?? true;
    },
  };
  /** Someone else changes the cluster (a new resource version), as drift between plan and apply. */
  const changeBehindTheRunbooksBack = (uid: string, path = 'awsKeyPair', value: unknown = 'rotated') => {
    const cluster = find(uid);
    const spec = { ...structuredClone(cluster.config.spec), [path]: value } as ClusterConfig['spec'];
    record({ metadata: cluster.config.metadata, spec }, cluster);
  };
  return { activities, calls, clusters, notifications, changeBehindTheRunbooksBack };
}
