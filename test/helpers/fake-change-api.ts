import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import type { Activities, LastChange, PlannedChange } from '../../src/activities';
import { requestFromCluster } from '../../src/activities/change-request';
import { planCost } from '../../src/activities/change-cost';
import { nodeGroupsOf } from '../../src/activities/fleet';
import { diffClusters, formatDiff } from '../../src/cloud-manager/diff';
import { CloudManagerError } from '../../src/cloud-manager/errors';
import type { Cluster, ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type { ChangeEvent, ChangeRequest } from '../../src/shared/change';
import { loadPrices } from '../../src/schedules/prices';
import { FailureType } from '../../src/shared/failure-types';
import { fakeClusterApi, type FakeOptions } from './fake-cluster-api';

/**
 * The cluster fake plus the activities of the change runbook (plan, cooldown record, notices) and
 * the power runbook's read: everything the change, power and lifecycle runbooks call.
 */

const PRICES = loadPrices();
const TUTORIAL = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8')) as ClusterRequest;

/** The cluster fake plus the change runbook's activities, with faults the tests switch on. */
export function fakeChangeApi(options: FakeOptions = {}) {
  const settings: FakeOptions = { transitionPolls: 0, ...options };
  const fake = fakeClusterApi(settings);
  const events: ChangeEvent[] = [];
  const faults = {
    failUpdates: 0,
    dropNextChange: false,
    lastChange: undefined as LastChange | undefined,
    /** PUTs answered 409 (retried) without changing anything. */
    busyUpdates: 0,
    /** PUTs made at this resource version land once, but every answer is lost (a retryable failure). */
    lostAnswersAt: undefined as number | undefined,
    /** Each plan waits for this first (a plan in flight while a trigger merges). */
    planInFlight: undefined as Promise<void> | undefined,
    /** Someone else changes the cluster before every read of its configuration (endless drift). */
    driftOnEveryRead: false,
    /** Plans whose request this says no to are refused by "the API", naming why. */
    refusePlan: undefined as ((request: ChangeRequest) => string | undefined) | undefined,
  };
  const base = fake.activities;
  const activities: Partial<Activities> = {
    ...base,
    async replaceCluster(uid, request, replaceOptions) {
      const cluster = fake.clusters.get(uid);
      if (!cluster || cluster.gone) return base.replaceCluster(uid, request, replaceOptions);
      // As the API: a PUT needs RUNNING or FAILED (409 otherwise, which the activity retries).
      if (faults.busyUpdates-- > 0 || !['RUNNING', 'FAILED'].includes(cluster.state)) {
        fake.calls.push('replaceCluster:409');
        throw retryable(FailureType.ClusterBusy, `${uid} is ${cluster.state}`);
      }
      const expected = replaceOptions?.expectedResourceVersion;
      if (expected !== undefined && expected === faults.lostAnswersAt) {
        if (cluster.history.length - 1 === expected) await base.replaceCluster(uid, request, replaceOptions);
        throw retryable(FailureType.Unavailable, 'connection reset before the answer');
      }
      const summary = await base.replaceCluster(uid, request, replaceOptions);
      settings.failTransitionTo = faults.failUpdates-- > 0 ? 'RUNNING' : undefined;
      if (faults.dropNextChange) {
        // The API accepts the PUT but keeps the old replicas: what verification exists for.
        faults.dropNextChange = false;
        const previous = cluster.history[cluster.history.length - 2]!;
        cluster.config = {
          ...cluster.config,
          spec: { ...cluster.config.spec, data: structuredClone(previous.spec.data) },
        };
        cluster.history[cluster.history.length - 1] = structuredClone(cluster.config);
      }
      return summary;
    },
    async getClusterConfig(uid: string) {
      if (faults.driftOnEveryRead)
        fake.changeBehindTheRunbooksBack(uid, 'awsKeyPair', `drift-${Math.random()}`);
      return base.getClusterConfig(uid);
    },
    async planClusterChange(uid: string, request: ChangeRequest): Promise<PlannedChange> {
      fake.calls.push(`planClusterChange:${request.kind}`);
      await faults.planInFlight;
      const refusal = faults.refusePlan?.(request);
      if (refusal) throw rejected(refusal);
      const cluster = fake.clusters.get(uid);
      if (!cluster || cluster.gone) throw rejected(`${uid} not found`);
      const base = {
        clusterId: uid,
        clusterName: cluster.config.metadata.name,
        resourceVersion: cluster.history.length - 1,
        requester: request.requester,
        ...(request.reason ? { reason: request.reason } : {}),
        createdAt: new Date().toISOString(),
      };
      const context = {
        before: structuredClone(cluster.config),
        state: cluster.state,
        tags: [...(cluster.config.spec.awsTags ?? [])],
      };
      if (request.kind === 'delete') {
        return {
          plan: {
            ...base,
            changes: [{ path: 'cluster', kind: 'removed' }],
            diffLines: ['delete'],
            cost: planCost(cluster.config, undefined, PRICES),
          },
          ...context,
        };
      }
      const source = request.kind === 'restore' ? cluster.history[request.toVersion!] : cluster.config;
      if (!source) throw rejected(`no version ${request.toVersion}`);
      const target = build(source, request.kind === 'restore' ? [] : (request.changes ?? []));
      const entries = diffClusters(cluster.config, target);
      const diffLines = entries.length > 0 ? formatDiff(entries).split('\n') : [];
      const cost = planCost(cluster.config, target, PRICES);
      return { plan: { ...base, changes: entries, diffLines, cost }, request: target, ...context };
    },
    async lastAppliedChange() {
      fake.calls.push('lastAppliedChange');
      return faults.lastChange;
    },
    async notifyChange(event: ChangeEvent) {
      events.push(structuredClone(event));
    },
    async readClusterPower(uid: string) {
      fake.calls.push('readClusterPower');
      const { summary, config } = await base.getClusterConfig(uid);
      return { summary, nodes: nodeGroupsOf(config as unknown as Cluster) };
    },
  };
  /** A RUNNING tutorial cluster (uid-1 at resource version 0, data.tier1.replicas 1). */
  async function createRunning(tags: Array<{ name: string; value: string }> = []): Promise<string> {
    const { uid } = await base.createCluster({ ...TUTORIAL, spec: { ...TUTORIAL.spec, awsTags: tags } });
    fake.clusters.get(uid)!.state = 'RUNNING';
    return uid;
  }
  return { ...fake, activities, events, faults, createRunning };
}

export type ChangeFake = ReturnType<typeof fakeChangeApi>;

function build(source: unknown, changes: ChangeRequest['changes'] & object): ClusterRequest {
  try {
    return requestFromCluster(source, changes);
  } catch (error) {
    if (error instanceof CloudManagerError) throw rejected(error.message);
    throw error;
  }
}

function retryable(type: string, message: string) {
  return ApplicationFailure.create({ type, message });
}

function rejected(message: string) {
  return ApplicationFailure.create({ type: FailureType.Rejected, nonRetryable: true, message });
}
