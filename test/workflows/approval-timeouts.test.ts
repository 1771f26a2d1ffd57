import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnvironment } from '../helpers/workflow-environment';
import {
  CHANGE_ID,
  approvalState,
  decide,
  gatedInput,
  HOUR,
  policy,
  stage,
  untilPending,
  withRunbook,
} from './approval-harness';

describe('approval gate timeouts, escalation and drift (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  it('rejects the change when nobody decides before the timeout, and applies nothing', async () => {
    const oneHour = policy({ stage: stage({ ops: ['alice', 'bob'] }, 1, HOUR) });
    await withRunbook(environment, gatedInput(oneHour), async (handle, fake, lifecycle) => {
      await untilPending(environment, handle);
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'rejected');
      assert.equal(result.reason, 'timed-out: no decision within 1h: nothing applied');
      assert.equal(result.approval?.outcome, 'timed-out');
      assert.deepEqual(
        result.approval?.decisions.map((record) => [record.decider, record.decision, record.via]),
        [['imply-runbooks', 'reject', 'timeout']],
      );
      assert.equal(fake.calls.includes('replaceCluster'), false);
      assert.equal(await approvalState(handle), 'timed-out');
      assert.deepEqual(
        fake.notifications.map((event) => event.kind),
        ['requested', 'timed-out'],
      );
    });
  });

  it('escalates to the second group at the timeout, and that group approves', async () => {
    const escalating = policy({
      stage: stage({ ops: ['alice', 'bob'] }, 1, HOUR),
      escalation: stage({ leads: ['carol'] }, 1, 2 * HOUR),
    });
    await withRunbook(environment, gatedInput(escalating), async (handle, fake, lifecycle) => {
      const primary = await untilPending(environment, handle);
      assert.equal(primary.stage, 'primary');
      await environment.sleep(HOUR);
      const escalated = await untilPending(environment, handle, 1, 'escalated');
      assert.deepEqual([escalated.groups, escalated.approvers], [['leads'], ['carol']]);
      assert.ok(Date.parse(escalated.deadline) - Date.parse(primary.deadline) >= 2 * HOUR - 1000);
      const bob = await decide(handle, { decider: 'bob', decision: 'approve', planVersion: 1 });
      assert.match(bob.refused ?? '', /bob is not an approver of this change: it needs leads \(carol\)/);
      const carol = await decide(handle, { decider: 'carol', decision: 'approve', planVersion: 1 });
      assert.equal(carol.ack?.state, 'approved');
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'completed');
      assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1);
      const decisions = result.approval?.decisions ?? [];
      assert.deepEqual(
        decisions.map((record) => [record.decider, record.decision, record.via]),
        [
          ['imply-runbooks', 'escalate', 'escalation'],
          ['carol', 'approve', 'update'],
        ],
      );
      assert.match(
        decisions[0]?.reason ?? '',
        /no decision from ops within 1h: escalated to leads \(carol\)/,
      );
      assert.deepEqual(
        fake.notifications.map((event) => event.kind),
        ['requested', 'escalated', 'decided'],
      );
    });
  });

  it('times out after the escalation too when the second group stays silent', async () => {
    const escalating = policy({
      stage: stage({ ops: ['alice'] }, 1, HOUR),
      escalation: stage({ leads: ['carol'] }, 1, 2 * HOUR),
    });
    await withRunbook(environment, gatedInput(escalating), async (_handle, fake, lifecycle) => {
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'rejected');
      assert.equal(result.reason, 'timed-out: no decision within 2h: nothing applied');
      assert.equal(fake.calls.includes('replaceCluster'), false);
    });
  });

  it('plans again when the cluster moved after the plan, refuses decisions on the old plan, and applies the approved new one', async () => {
    await withRunbook(environment, gatedInput(policy()), async (handle, fake, lifecycle) => {
      const first = await untilPending(environment, handle);
      fake.changeBehindTheRunbooksBack(first.plan.clusterId);
      const approvedOld = await decide(handle, { decider: 'alice', decision: 'approve', planVersion: 1 });
      assert.equal(approvedOld.ack?.state, 'approved');
      const second = await untilPending(environment, handle, 2);
      assert.equal(second.plan.resourceVersion, first.plan.resourceVersion + 1);
      // The new plan starts from the cluster as it now is: it keeps the change made behind its back.
      assert.deepEqual(second.plan.diffLines, first.plan.diffLines, second.plan.diffLines.join('\n'));
      assert.equal(fake.calls.includes('replaceCluster'), false);
      const stale = await decide(handle, { decider: 'bob', decision: 'approve', planVersion: 1 });
      assert.match(stale.refused ?? '', /plan version 1 was superseded by version 2/);
      const approvedNew = await decide(handle, { decider: 'alice', decision: 'approve', planVersion: 2 });
      assert.equal(approvedNew.ack?.state, 'approved');
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'completed');
      assert.deepEqual(result.verifiedVersion, { before: 1, after: 2 });
      assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1);
      assert.deepEqual(
        result.approval?.plans.map((plan) => [plan.version, plan.resourceVersion]),
        [
          [1, 0],
          [2, 1],
        ],
      );
      assert.deepEqual(
        result.approval?.decisions.map((record) => [record.decider, record.planVersion]),
        [
          ['alice', 1],
          ['alice', 2],
        ],
      );
      const planStep = (await handle.result()).steps.find((step) => step.name === 'plan');
      assert.match(planStep?.detail ?? '', /^plan v2 at resource version 1: /);
    });
  });

  it('stops waiting when the runbook is cancelled, applying nothing and no longer showing as pending', async () => {
    const input = gatedInput(policy(), { onCancel: 'delete' });
    await withRunbook(environment, input, async (handle, fake, lifecycle) => {
      await untilPending(environment, handle);
      // Pinned to this run: the cleanup's delete runs next on the same id.
      const gate = environment.client.workflow.getHandle(CHANGE_ID, (await handle.describe()).runId);
      await lifecycle.cancel();
      // Waited for by describing, not by result(): a result() lets the test server skip time, and a
      // skip to the approval's timeout could win the race with the cancellation.
      await untilClosed(gate);
      await untilClosed(lifecycle);
      await assert.rejects(lifecycle.result());
      await assert.rejects(gate.result());
      assert.equal(await approvalState(gate), 'cancelled');
      assert.equal(fake.calls.includes('replaceCluster'), false);
      assert.ok(fake.calls.includes('deleteCluster'));
    });
  });
});

/** Polls `describe` (real time, no time skipping) until the workflow run is closed. */
async function untilClosed(handle: { describe(): Promise<{ status: { name: string } }> }): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if ((await handle.describe()).status.name !== 'RUNNING') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the workflow did not close within 30 s');
}
