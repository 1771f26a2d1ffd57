import assert from 'node:assert/strict';
import type { ApplicationFailure } from '@temporalio/activity';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_CHANGE_POLICY } from '../../src/config';
import type { ApprovalPolicy } from '../../src/shared/approval';
import {
  changeStartOptions,
  type ChangeAck,
  type ChangeInput,
  type ChangePolicy,
  type ChangeRequest,
  type ChangeStateView,
} from '../../src/shared/change';
import { changeRunbook } from '../../src/workflows/change';
import { changeStateQuery, mergeChangeUpdate } from '../../src/workflows/change-messages';
import { terminateWhenIdle, withWorker } from '../helpers/workflow-environment';

/** The change runbook over the in-memory Cloud Manager: its own activities faked beside the cluster fake's. */

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

import type { ChangeFake } from '../helpers/fake-change-api';
export { fakeChangeApi, type ChangeFake } from '../helpers/fake-change-api';

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
