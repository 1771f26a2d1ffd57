import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities, LastChange, PlannedChange } from '../../src/activities';
import { requestFromCluster } from '../../src/activities/change-request';
import { diffClusters, formatDiff } from '../../src/cloud-manager/diff';
import { CloudManagerError } from '../../src/cloud-manager/errors';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import { DEFAULT_CHANGE_POLICY } from '../../src/config';
import type { ApprovalPolicy } from '../../src/shared/approval';
import {
  changeStartOptions,
  type ChangeAck,
  type ChangeEvent,
  type ChangeInput,
  type ChangePolicy,
  type ChangeRequest,
  type ChangeStateView,
} from '../../src/shared/change';
import { FailureType } from '../../src/shared/failure-types';
import { changeRunbook } from '../../src/workflows/change';
import { changeStateQuery, mergeChangeUpdate } from '../../src/workflows/change-messages';
import { fakeClusterApi, type FakeOptions } from '../helpers/fake-cluster-api';
import { terminateWhenIdle, withWorker } from '../helpers/workflow-environment';

/** The change runbook over the in-memory Cloud Manager: its own activities faked beside the cluster fake's. */

const TUTORIAL = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8')) as ClusterRequest;
export const MINUTE = 60_000;

export const APPROVAL: ApprovalPolicy = {
  name: 'test',
  stage: { groups: ['ops'], approvers: ['alice', 'bob'], required: 1, timeoutMs: 24 * 60 * MINUTE },
};

export function changePolicy(overrides: Partial<ChangePolicy> = {}): ChangePolicy {
  return { ...DEFAULT_CHANGE_POLICY, bounds: {}, autoApprove: [], name: 'test-policy', ...overrides };
}

export const scale = (changes: Record<string, number | string>, requester = 'dave'): ChangeRequest => ({
  kind: 'scale',
  changes: Object.entries(changes).map(([path, value]) => ({ path: `spec.${path}`, value })),
  requester,
  source: 'cli',
});

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
        createdAt: new Date().toISOString(),
      };
      const context = {
        before: structuredClone(cluster.config),
        state: cluster.state,
        tags: [...(cluster.config.spec.awsTags ?? [])],
      };
      if (request.kind === 'delete') {
        return {
          plan: { ...base, changes: [{ path: 'cluster', kind: 'removed' }], diffLines: ['delete'] },
          ...context,
        };
      }
      const source = request.kind === 'restore' ? cluster.history[request.toVersion!] : cluster.config;
      if (!source) throw rejected(`no version ${request.toVersion}`);
      const target = build(source, request.kind === 'restore' ? [] : (request.changes ?? []));
      const entries = diffClusters(cluster.config, target);
      const diffLines = entries.length > 0 ? formatDiff(entries).split('\n') : [];
      return { plan: { ...base, changes: entries, diffLines }, request: target, ...context };
    },
    async lastAppliedChange() {
      fake.calls.push('lastAppliedChange');
      return faults.lastChange;
    },
    async notifyChange(event: ChangeEvent) {
      events.push(structuredClone(event));
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

export function changeInput(clusterId: string, overrides: Partial<ChangeInput> = {}): ChangeInput {
  return {
    clusterId,
    clusterName: 'clusters-example',
    policy: changePolicy(),
    approval: APPROVAL,
    wait: { pollInitialMs: 1000, pollMaxMs: 1000, transitionTimeoutMs: 10 * MINUTE },
    ...overrides,
  };
}

/** A scale the policy auto-approves, whose failed rollback reminds a person hourly. */
export const autoScaleInput = (clusterId: string): ChangeInput =>
  changeInput(clusterId, { policy: changePolicy({ autoApprove: ['scale'] }), rollbackReminderMs: 3_600_000 });

export interface Submitted {
  ack?: ChangeAck;
  refused?: { message: string; details: unknown };
}

/** Sends one trigger the way the CLI and the web server do: update-with-start on `change:<uid>`. */
export async function submit(
  environment: TestWorkflowEnvironment,
  taskQueue: string,
  input: ChangeInput,
  request: ChangeRequest,
): Promise<Submitted> {
  const startWorkflowOperation = new WithStartWorkflowOperation(
    changeRunbook,
    changeStartOptions(input, taskQueue),
  );
  try {
    const ack = await environment.client.workflow.executeUpdateWithStart(mergeChangeUpdate, {
      args: [request],
      startWorkflowOperation,
    });
    return { ack };
  } catch (error) {
    assert.ok(error instanceof WorkflowUpdateFailedError, `expected a refusal, got ${String(error)}`);
    const cause = error.cause as ApplicationFailure;
    return { refused: { message: cause.message, details: cause.details?.[0] } };
  }
}

export type ChangeHandle = WorkflowHandle<typeof changeRunbook>;

/** Runs `body` with a worker over the fake; terminates the runbook after, since every fake's cluster is uid-1. */
export async function withChangeWorker<T>(
  environment: TestWorkflowEnvironment,
  fake: ChangeFake,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  return withWorker(environment, fake.activities, async (taskQueue) => {
    try {
      return await body(taskQueue);
    } finally {
      await terminateWhenIdle(environment.client.workflow.getHandle('change:uid-1'));
    }
  });
}

/** Advances test time a little at a time until the runbook's state matches. */
export async function untilState(
  environment: TestWorkflowEnvironment,
  handle: ChangeHandle,
  matches: (state: ChangeStateView) => boolean,
  what: string,
): Promise<ChangeStateView> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const state = await handle.query(changeStateQuery).catch(() => undefined);
    if (state && matches(state)) return state;
    await environment.sleep(100);
  }
  assert.fail(`the change runbook never reached: ${what}`);
}
