import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import type { ChangeActivities } from '../../src/activities/change';
import { nodeGroupsOf, type FleetCluster } from '../../src/activities/fleet';
import type { Cluster, ClusterRequest, DesiredState } from '../../src/cloud-manager/schemas/cluster';
import type { OffHoursNotice } from '../../src/shared/off-hours';
import type { ClusterObservation, ClusterSelector, FleetSummary, KeepAlive } from '../../src/shared/power';
import { isOptedOut, matchesSelector, type SelectableCluster } from '../../src/shared/selector';
import { isInProgress, observationKey } from '../../src/shared/cluster-states';
import { fakeClusterApi, type FakeOptions } from './fake-cluster-api';

const TUTORIAL = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../examples/tutorial-cluster.json'), 'utf8'),
) as ClusterRequest;

/** One Cloud Manager call as the fake saw it, at workflow (test server) time. */
export interface ApiCall {
  activity: string;
  clusterId?: string;
  atMs: number;
}

/**
 * The cluster fake plus the fleet's activities: selection over its clusters, keep-alives the test
 * sets, notifications recorded, per-cluster failed transitions, and what the rate and concurrency
 * bounds need to be observed (every API call at server time; clusters in transition at once).
 */
export function fakeFleetApi(options: FakeOptions = {}) {
  const fake = fakeClusterApi(options);
  const keepAlives: KeepAlive[] = [];
  const fleetNotifications: FleetSummary[] = [];
  const offHoursNotices: Array<OffHoursNotice & { atMs: number }> = [];
  const apiCalls: ApiCall[] = [];
  /** Clusters whose next stop or start ends in FAILED (as the emulator's failNextUpdate). */
  const failing = new Set<string>();
  const inTransition = new Set<string>();
  let maxInTransition = 0;

  const record = (activity: string, clusterId?: string) =>
    apiCalls.push({ activity, clusterId, atMs: Context.current().info.currentAttemptScheduledTimestampMs });
  const selectable = (uid: string): SelectableCluster => {
    const config = fake.clusters.get(uid)?.config;
    const tags = (config?.spec.awsTags ?? []).map((tag) => ({ name: tag.name, value: String(tag.value) }));
    return { id: uid, name: config?.metadata.name ?? uid, tags };
  };

  const ownerOf = (cluster: SelectableCluster) => {
    const owner = cluster.tags.find((tag) => tag.name === 'owner')?.value;
    return owner ? { owner } : {};
  };
  const base = fake.activities;
  const observeOne = async (uid: string): Promise<ClusterObservation> => {
    const cluster = fake.clusters.get(uid);
    if (!cluster || cluster.gone)
      return { clusterId: uid, state: 'DELETED', resourceVersion: -1, gone: true };
    const summary = await base.getClusterSummary(uid);
    if (['RUNNING', 'STOPPED', 'FAILED'].includes(summary.state)) inTransition.delete(uid);
    const { state, resourceVersion, desiredState } = summary;
    return { clusterId: uid, state, resourceVersion, ...(desiredState ? { desiredState } : {}) };
  };
  // The change runbook's activities are faked by test/workflows/change-harness.ts; shrink schedules
  // are tested end to end (test/e2e/shrink-schedules.test.ts), and so are drift checks (test/e2e/gitops.test.ts).
  const activities: Omit<
    Activities,
    | keyof ChangeActivities
    | 'notifyChange'
    | 'shrinkTarget'
    | 'readShrinkRecord'
    | 'planDrift'
    | 'notifyDrift'
    | 'openDriftChanges'
  > = {
    ...base,
    async selectClusters(selector: ClusterSelector) {
      record('selectClusters');
      const live = [...fake.clusters.entries()].filter(([, cluster]) => !cluster.gone);
      const clusters: FleetCluster[] = live
        .map(([uid]) => selectable(uid))
        .filter((cluster) => matchesSelector(cluster, selector))
        .map((cluster) => ({
          id: cluster.id,
          name: cluster.name,
          state: fake.clusters.get(cluster.id)?.state ?? 'UNKNOWN',
          resourceVersion: (fake.clusters.get(cluster.id)?.history.length ?? 1) - 1,
          optedOut: isOptedOut(cluster, selector),
          nodes: nodeGroupsOf(fake.clusters.get(cluster.id)?.config as unknown as Cluster),
          ...ownerOf(cluster),
        }));
      const missing = (selector.clusters ?? []).filter(
        (wanted) => !clusters.some((cluster) => cluster.id === wanted || cluster.name === wanted),
      );
      return { clusters, missing };
    },
    // One list read: every asked cluster's transition moves on as a poll of it would. Asked to wait
    // (`intervalMs`) and none came to rest, it waits that long (real time) before it answers.
    async observeClusters(
      watched: Array<{ clusterId: string; last: string }>,
      options: { intervalMs?: number; maxWaitMs?: number } = {},
    ) {
      record('observeClusters');
      const observations = await Promise.all(watched.map(({ clusterId }) => observeOne(clusterId)));
      const moved = observations.some(
        (seen, index) =>
          seen.gone || (!isInProgress(seen.state) && observationKey(seen) !== watched[index]?.last),
      );
      if (!moved && options.intervalMs) await Context.current().sleep(options.intervalMs);
      return observations;
    },
    async readClusterPower(uid: string) {
      record('readClusterPower', uid);
      const { summary, config } = await base.getClusterConfig(uid);
      return { summary, nodes: nodeGroupsOf(config as unknown as Cluster) };
    },
    async getClusterSummary(uid: string) {
      record('getClusterSummary', uid);
      const summary = await base.getClusterSummary(uid);
      if (['RUNNING', 'STOPPED', 'FAILED'].includes(summary.state)) inTransition.delete(uid);
      return summary;
    },
    async setDesiredState(uid: string, desiredState: DesiredState) {
      record('setDesiredState', uid);
      const summary = await base.setDesiredState(uid, desiredState);
      const cluster = fake.clusters.get(uid);
      if (cluster && cluster.state !== cluster.target) {
        inTransition.add(uid);
        maxInTransition = Math.max(maxInTransition, inTransition.size);
        if (failing.delete(uid)) cluster.target = 'FAILED';
      }
      return summary;
    },
    async listKeepAlives() {
      return structuredClone(keepAlives);
    },
    async findLifecycleChange() {
      fake.calls.push('findLifecycleChange');
      return undefined;
    },
    async findClusterChange() {
      return undefined;
    },
    async notifyFleetRun(summary: FleetSummary) {
      fleetNotifications.push(structuredClone(summary));
    },
    async notifyOffHours(notice: OffHoursNotice) {
      offHoursNotices.push({
        ...structuredClone(notice),
        atMs: Context.current().info.currentAttemptScheduledTimestampMs,
      });
    },
  };

  /** Adds a settled cluster (RUNNING, or STOPPED) with these awsTags; returns its uid. */
  async function seed(
    name: string,
    tags: Record<string, string> = {},
    state: 'RUNNING' | 'STOPPED' = 'RUNNING',
  ) {
    const awsTags = Object.entries(tags).map(([tagName, value]) => ({ name: tagName, value }));
    const { uid } = await base.createCluster({
      ...TUTORIAL,
      metadata: { name },
      spec: { ...TUTORIAL.spec, awsTags },
    });
    const cluster = fake.clusters.get(uid);
    if (!cluster) throw new Error(`seeded cluster ${name} is missing`);
    cluster.state = cluster.target = state;
    cluster.desiredState = state === 'STOPPED' ? 'STOPPED' : 'STARTED';
    return uid;
  }

  /** Someone else's stop or start, in flight when the runbook first reads the cluster. */
  const startTransition = (uid: string, desiredState: DesiredState) =>
    base.setDesiredState(uid, desiredState);
  const stateOf = (uid: string) => fake.clusters.get(uid)?.state;
  return {
    ...fake,
    activities,
    keepAlives,
    fleetNotifications,
    offHoursNotices,
    apiCalls,
    failing,
    seed,
    startTransition,
    stateOf,
    maxInTransition: () => maxInTransition,
  };
}
