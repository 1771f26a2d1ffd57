import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type {
  ApprovalPolicy,
  ApprovalStage,
  DecisionAck,
  DecisionRequest,
  PendingApproval,
} from '../../src/shared/approval';
import type { LifecycleInput } from '../../src/shared/runbook';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import type { changeRunbook } from '../../src/workflows/change';
import { lifecycleRunbook } from '../../src/workflows/lifecycle';
import { approveChangeUpdate, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { changeStateQuery } from '../../src/workflows/change-messages';
import { fakeChangeApi } from '../helpers/fake-change-api';
import { terminateWhenIdle, withWorker } from '../helpers/workflow-environment';

/**
 * Shared pieces of the approval gate tests: policies, a started runbook, decisions and their
 * history. The runbook is the lifecycle; its scale runs as the child change runbook
 * `change:<uid>`, which holds the gate: decisions and queries go there, results come from both.
 */

export const HOUR = 3_600_000;
const tutorialCluster = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8')) as ClusterRequest;

/** The change runbook holding the gate. */
export type Handle = WorkflowHandle<typeof changeRunbook>;
export type Lifecycle = WorkflowHandle<typeof lifecycleRunbook>;
export type Fake = ReturnType<typeof fakeChangeApi>;
/** Every fake's first cluster is uid-1, so the lifecycle's scale runs on this id. */
export const CHANGE_ID = 'change:uid-1';

export function stage(groups: Record<string, string[]>, required = 1, timeoutMs = 24 * HOUR): ApprovalStage {
  return {
    groups: Object.keys(groups),
    approvers: [...new Set(Object.values(groups).flat())],
    required,
    timeoutMs,
  };
}

export function policy(overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy {
  return { name: 'test', stage: stage({ ops: ['alice', 'bob', 'carol'] }), ...overrides };
}

/** The tutorial's scale (tier1 1 → 2 and a rename) by `dave`; no stop, so `change:uid-1` stays the gate's run. */
export function gatedInput(approval: ApprovalPolicy | undefined, overrides: Partial<LifecycleInput> = {}) {
  const input: LifecycleInput = {
    cluster: tutorialCluster,
    scale: [
      { path: 'spec.data.tier1.replicas', value: 2 },
      { path: 'metadata.name', value: 'clusters-example-scaled' },
    ],
    requester: 'dave',
    reason: 'more ingestion',
    approval,
    ...overrides,
  };
  return input;
}

/**
 * Starts the lifecycle on a fresh worker over a fake Cloud Manager whose transitions settle at
 * once; `body` gets the gate's runbook (`change:uid-1`, started once the cluster runs) and the lifecycle.
 */
export async function withRunbook<T>(
  environment: TestWorkflowEnvironment,
  input: LifecycleInput,
  body: (handle: Handle, fake: Fake, lifecycle: Lifecycle) => Promise<T>,
): Promise<T> {
  const fake = fakeChangeApi({ transitionPolls: 0 });
  return withWorker(environment, fake.activities, async (taskQueue) => {
    const lifecycle = await environment.client.workflow.start(lifecycleRunbook, {
      taskQueue,
      workflowId: `approval-test-${Math.random()}`,
      args: [input],
    });
    const handle = environment.client.workflow.getHandle<typeof changeRunbook>(CHANGE_ID);
    try {
      return await body(handle, fake, lifecycle);
    } finally {
      await terminateWhenIdle(lifecycle);
      await terminateWhenIdle(handle);
    }
  });
}

/** Waits (advancing test time a little at a time) until the gate shows a pending plan of this version and stage. */
export async function untilPending(
  environment: TestWorkflowEnvironment,
  handle: Handle,
  version = 1,
  stageName: PendingApproval['stage'] = 'primary',
): Promise<PendingApproval> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const pending = (await isRunning(handle)) ? await handle.query(pendingApprovalQuery) : undefined;
    if (pending?.plan.version === version && pending.stage === stageName) return pending;
    await environment.sleep(100);
  }
  assert.fail(`no ${stageName} approval of plan v${version} became pending`);
}

/**
 * Whether this lifecycle's change runbook runs yet: it starts once the cluster is RUNNING, and
 * until then the id names an earlier test's run, closed, whose queries would wait for its worker.
 */
async function isRunning(handle: Handle): Promise<boolean> {
  const description = await handle.describe().catch(() => undefined);
  return description?.status.name === 'RUNNING';
}

/** Waits until the change runbook runs and is planning (its first plan held by the test). */
export async function untilPlanning(environment: TestWorkflowEnvironment, handle: Handle): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const state = (await isRunning(handle)) ? await handle.query(changeStateQuery) : undefined;
    if (state?.phase === 'planning') return;
    await environment.sleep(100);
  }
  assert.fail('the change runbook never started planning');
}

let updates = 0;

/** Sends a decision through the update; answers the ack, or the refusal's message. */
export async function decide(
  handle: Handle,
  request: DecisionRequest,
): Promise<{ ack?: DecisionAck; refused?: string; updateId: string }> {
  const updateId = `decision-${++updates}-${request.decider}`;
  try {
    return { ack: await handle.executeUpdate(approveChangeUpdate, { args: [request], updateId }), updateId };
  } catch (error) {
    assert.ok(error instanceof WorkflowUpdateFailedError, `expected a refused update, got ${String(error)}`);
    return { refused: (error.cause as Error).message, updateId };
  }
}

/** The update ids the history shows as accepted. */
export async function acceptedUpdateIds(handle: Handle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((event) => event.workflowExecutionUpdateAcceptedEventAttributes)
    .map((accepted) => accepted?.acceptedRequest?.meta?.updateId ?? accepted?.protocolInstanceId)
    .filter((id): id is string => typeof id === 'string');
}

/** Every update id mentioned anywhere in the history (accepted, completed or otherwise). */
export async function historyText(handle: Handle): Promise<string> {
  return JSON.stringify(await handle.fetchHistory());
}

export async function approvalState(handle: Handle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.approval);
}
