import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runbookProgressQuery } from '../../src/workflows/progress';
import { approvalAuditQuery, approvalDecisionSignal } from '../../src/workflows/approval-messages';
import { createTimeSkippingEnvironment, terminateWhenIdle } from '../helpers/workflow-environment';
import {
  HOUR,
  acceptedUpdateIds,
  approvalState,
  decide,
  gatedInput,
  historyText,
  policy,
  stage,
  untilPending,
  untilPlanning,
  withRunbook,
} from './approval-harness';

describe('approval gate (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  it('refuses rule-breaking decisions with a reason and leaves no trace of them in history', async () => {
    const twoOfThree = policy({ stage: stage({ ops: ['alice', 'bob', 'dave'] }, 2) });
    await withRunbook(environment, gatedInput(twoOfThree), async (handle, _fake, lifecycle) => {
      const pending = await untilPending(environment, handle);
      assert.match(pending.plan.diffLines.join('\n'), /spec\.data\.tier1\.replicas: 1 → 2/);
      assert.equal(await approvalState(handle), 'pending');
      const v1 = { decision: 'approve', planVersion: 1 } as const;
      const stranger = await decide(handle, { ...v1, decider: 'mallory' });
      assert.match(
        stranger.refused ?? '',
        /mallory is not an approver of this change: it needs ops \(alice, bob, dave\)/,
      );
      const own = await decide(handle, { ...v1, decider: 'dave' });
      assert.match(own.refused ?? '', /dave requested this change and cannot approve it \(four eyes\)/);
      const unknownPlan = await decide(handle, { ...v1, decider: 'bob', planVersion: 2 });
      assert.match(unknownPlan.refused ?? '', /plan version 2 does not exist/);
      const first = await decide(handle, { ...v1, decider: 'bob' });
      assert.deepEqual(first.ack, { accepted: true, state: 'pending', approvals: 1, required: 2 });
      const again = await decide(handle, { ...v1, decider: 'bob', decision: 'reject' });
      assert.match(
        again.refused ?? '',
        /bob already decided on plan version 1 \(approve at .*\): one decision per person/,
      );
      const second = await decide(handle, { ...v1, decider: 'alice' });
      assert.deepEqual(second.ack, { accepted: true, state: 'approved', approvals: 2, required: 2 });
      const late = await decide(handle, { ...v1, decider: 'dave', decision: 'reject' });
      assert.match(late.refused ?? '', /the approval has already closed \(approved\)/);

      assert.deepEqual(await acceptedUpdateIds(handle), [first.updateId, second.updateId]);
      const history = await historyText(handle);
      for (const refused of [stranger, own, unknownPlan, again, late]) {
        assert.ok(!history.includes(refused.updateId), `${refused.updateId} left a trace in history`);
      }
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'completed');
      assert.equal((await handle.result()).outcome, 'applied');
      assert.deepEqual(
        result.approval?.decisions.map((record) => [record.decider, record.via, record.outcome]),
        [
          ['bob', 'update', 'counted'],
          ['alice', 'update', 'counted'],
        ],
      );
      assert.equal(await approvalState(handle), 'approved');
    });
  });

  it('refuses a decision when the runbook has nothing waiting for approval', async () => {
    await withRunbook(environment, gatedInput(undefined), async (handle, fake, lifecycle) => {
      // Hold the change runbook at its plan, so the decision reaches a running runbook with no gate open.
      let release = () => {};
      fake.faults.planInFlight = new Promise<void>((resolve) => (release = resolve));
      await untilPlanning(environment, handle);
      const refused = await decide(handle, { decider: 'alice', decision: 'approve', planVersion: 1 });
      assert.match(refused.refused ?? '', /nothing in this runbook is waiting for approval/);
      release();
      const result = await lifecycle.result();
      assert.deepEqual(await acceptedUpdateIds(handle), []);
      assert.equal(result.approval, undefined);
      assert.equal((await handle.result()).autoApproved !== undefined, true);
      assert.deepEqual(
        result.steps.map((step) => [step.name, step.status]),
        [
          ['validate', 'completed'],
          ['create', 'completed'],
          ['wait-running', 'completed'],
          ['scale', 'completed'],
          ['stop', 'skipped'],
          ['delete', 'skipped'],
        ],
      );
    });
  });

  it('applies the change once two of three approvers approve, showing the gate as its own step', async () => {
    await withRunbook(
      environment,
      gatedInput(policy({ stage: stage({ ops: ['alice', 'bob', 'carol'] }, 2) })),
      async (handle, fake, lifecycle) => {
        const pending = await untilPending(environment, handle);
        assert.deepEqual([pending.required, pending.approvals, pending.groups], [2, [], ['ops']]);
        const progress = await handle.query(runbookProgressQuery);
        const approveStep = progress.steps.find((step) => step.name === 'approve');
        assert.match(
          approveStep?.detail ?? '',
          /^waiting for 2 of 2 approvals from ops \(alice, bob, carol\) until \d{4}-/,
        );
        await decide(handle, { decider: 'carol', decision: 'approve', planVersion: 1, comment: 'fine' });
        assert.deepEqual((await untilPending(environment, handle)).approvals, ['carol']);
        const afterOne = await handle.query(runbookProgressQuery);
        assert.match(
          afterOne.steps.find((step) => step.name === 'approve')?.detail ?? '',
          /^waiting for 1 of 2 approvals from ops .*; approved so far: carol$/,
        );
        assert.equal(fake.calls.includes('replaceCluster'), false);
        await decide(handle, { decider: 'bob', decision: 'approve', planVersion: 1 });
        const result = await lifecycle.result();
        assert.equal(result.outcome, 'completed');
        assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1);
        const change = await handle.result();
        const steps = Object.fromEntries(change.steps.map((step) => [step.name, step]));
        assert.equal(steps.approve?.status, 'completed');
        assert.equal(steps.approve?.detail, 'plan v1 approved by carol, bob');
        assert.equal(result.approval?.outcome, 'approved');
        assert.equal(result.approval?.plans[0]?.requester, 'dave');
        assert.equal(result.approval?.plans[0]?.reason, 'more ingestion');
        assert.deepEqual(
          fake.notifications.map((event) => [event.kind, event.outcome ?? '-']),
          [
            ['requested', '-'],
            ['decided', '-'],
            ['decided', 'approved'],
          ],
        );
      },
    );
  });

  it('ends cleanly with nothing applied when an approver rejects, carrying the reason', async () => {
    await withRunbook(
      environment,
      gatedInput(policy(), { stop: { afterMs: HOUR } }),
      async (handle, fake, lifecycle) => {
        await untilPending(environment, handle);
        const rejected = await decide(handle, {
          decider: 'bob',
          decision: 'reject',
          planVersion: 1,
          comment: 'not during the sale',
        });
        assert.equal(rejected.ack?.state, 'rejected');
        const result = await lifecycle.result();
        assert.equal(result.outcome, 'rejected');
        assert.equal(result.reason, 'rejected: bob: not during the sale');
        assert.equal(result.finalState, 'RUNNING');
        assert.equal(fake.calls.includes('replaceCluster'), false);
        assert.equal(
          fake.calls.some((call) => call.startsWith('setDesiredState')),
          false,
        );
        const statuses = Object.fromEntries(result.steps.map((step) => [step.name, step.status]));
        assert.equal(statuses.scale, 'completed');
        for (const name of ['stop', 'delete']) assert.equal(statuses[name], 'skipped');
        assert.match(
          result.steps.find((step) => step.name === 'stop')?.detail ?? '',
          /the scale change was rejected: bob: not during the sale/,
        );
        assert.equal(result.scaleChange?.outcome, 'rejected');
        assert.equal(result.approval?.outcome, 'rejected');
        assert.equal(await approvalState(handle), 'rejected');
        assert.equal(fake.notifications.at(-1)?.outcome, 'rejected');
      },
    );
  });

  it('applies the same rules to signals, recording the decisions it ignores and why', async () => {
    const withDave = policy({ stage: stage({ ops: ['alice', 'dave'] }) });
    await withRunbook(environment, gatedInput(withDave), async (handle, fake, lifecycle) => {
      await untilPending(environment, handle);
      await handle.signal(approvalDecisionSignal, {
        decider: 'mallory',
        decision: 'approve',
        planVersion: 1,
      });
      await handle.signal(approvalDecisionSignal, { decider: 'dave', decision: 'approve', planVersion: 1 });
      await handle.signal(approvalDecisionSignal, { decider: 'alice', decision: 'approve', planVersion: 1 });
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'completed');
      assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1);
      const decisions = result.approval?.decisions ?? [];
      assert.deepEqual(
        decisions.map((record) => [record.decider, record.via, record.outcome]),
        [
          ['mallory', 'signal', 'ignored'],
          ['dave', 'signal', 'ignored'],
          ['alice', 'signal', 'counted'],
        ],
      );
      assert.match(decisions[0]?.reason ?? '', /mallory is not an approver/);
      assert.match(decisions[1]?.reason ?? '', /four eyes/);
    });
  });

  it('auto-approves a change the policy marks low risk, and records that it did', async () => {
    const lowRisk = policy({ autoApprove: { maxReplicaDelta: 1, minReplicas: 1, maxReplicas: 3 } });
    const input = gatedInput(lowRisk, { scale: [{ path: 'spec.data.tier1.replicas', value: 2 }] });
    await withRunbook(environment, input, async (handle, fake, lifecycle) => {
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'completed');
      assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1);
      assert.equal(result.approval?.outcome, 'auto-approved');
      const [record] = result.approval?.decisions ?? [];
      assert.equal(record?.via, 'auto');
      assert.equal(record?.decision, 'approve');
      assert.match(record?.reason ?? '', /policy test: low risk: spec\.data\.tier1\.replicas 1 → 2/);
      assert.equal(await approvalState(handle), 'auto-approved');
      const audit = await handle.query(approvalAuditQuery);
      assert.equal(audit?.outcome, 'auto-approved');
    });
  });

  it('asks a person when the change goes beyond the auto-approval rule', async () => {
    const lowRisk = policy({ autoApprove: { maxReplicaDelta: 1, maxReplicas: 3 } });
    const input = gatedInput(lowRisk, { scale: [{ path: 'spec.data.tier1.replicas', value: 4 }] });
    await withRunbook(environment, input, async (handle) => {
      const pending = await untilPending(environment, handle);
      assert.deepEqual(pending.plan.diffLines, ['spec.data.tier1.replicas: 1 → 4']);
      await terminateWhenIdle(handle);
    });
  });
});
