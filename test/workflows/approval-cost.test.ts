import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CostDeltaRule } from '../../src/shared/approval';
import { runbookProgressQuery } from '../../src/workflows/progress';
import { createTimeSkippingEnvironment } from '../helpers/workflow-environment';
import {
  approvalState,
  decide,
  gatedInput,
  policy,
  untilPending,
  withRunbook,
  type Handle,
} from './approval-harness';

/**
 * The gate's `costDelta` rule with the example prices: the harness's scale (tutorial tier1, t2.small
 * at 0.023 an hour, 1 → 2 replicas) adds 0.023 × 730 = USD 16.79 a month. Its requester, dave, is
 * a lead: four eyes keep him from approving his own change's cost.
 */

const leads = (above: number): CostDeltaRule => ({
  above,
  groups: ['leads'],
  approvers: ['dave', 'erin'],
  required: 1,
});

async function approveDetail(handle: Handle): Promise<string> {
  const progress = await handle.query(runbookProgressQuery);
  return progress.steps.find((step) => step.name === 'approve')?.detail ?? '';
}

describe('approval gate with a cost delta (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  it('above the delta, one ops approval is not enough: the lead’s approval closes the gate', async () => {
    await withRunbook(
      environment,
      gatedInput(policy({ costDelta: leads(10) })),
      async (handle, fake, lifecycle) => {
        const pending = await untilPending(environment, handle);
        assert.deepEqual(pending.plan.cost, {
          currency: 'USD',
          monthlyBefore: 117.53,
          monthlyAfter: 134.32,
          monthlyDelta: 16.79,
          hoursPerMonth: 730,
          unpriced: [],
          pricesAsOf: '2026-11-27',
        });
        assert.deepEqual(pending.costApproval, {
          above: 10,
          monthlyDelta: 16.79,
          currency: 'USD',
          groups: ['leads'],
          approvers: ['dave', 'erin'],
          required: 1,
          approvals: [],
          missing: 1,
        });
        const v1 = { decision: 'approve', planVersion: 1 } as const;
        const stranger = await decide(handle, { ...v1, decider: 'mallory' });
        assert.match(
          stranger.refused ?? '',
          /it needs ops \(alice, bob, carol\) and, for its cost, leads \(dave, erin\)/,
        );
        const own = await decide(handle, { ...v1, decider: 'dave' });
        assert.match(
          own.refused ?? '',
          /dave requested this change and cannot approve it \(four eyes\): ask another of alice, bob, carol, erin/,
        );

        const ops = await decide(handle, { ...v1, decider: 'alice' });
        assert.deepEqual(ops.ack, { accepted: true, state: 'pending', approvals: 1, required: 2 });
        assert.match(
          await approveDetail(handle),
          /^waiting for 0 of 1 approvals from ops .*; approved so far: alice; needs 1 more approval from leads \(dave, erin\): the change adds USD 16\.79 a month, above 10$/,
        );
        assert.equal(fake.calls.includes('replaceCluster'), false);
        assert.equal(await approvalState(handle), 'pending');

        const lead = await decide(handle, { ...v1, decider: 'erin' });
        assert.deepEqual(lead.ack, { accepted: true, state: 'approved', approvals: 2, required: 2 });
        const result = await lifecycle.result();
        assert.equal(result.outcome, 'completed');
        assert.equal((await handle.result()).outcome, 'applied');
        assert.deepEqual(
          result.approval?.decisions.map((record) => record.decider),
          ['alice', 'erin'],
        );
        assert.equal(result.approval?.plans[0]?.cost?.monthlyDelta, 16.79);
      },
    );
  });

  it('below the delta, one ops approval closes the gate', async () => {
    await withRunbook(
      environment,
      gatedInput(policy({ costDelta: leads(5000) })),
      async (handle, _fake, lifecycle) => {
        const pending = await untilPending(environment, handle);
        assert.equal(pending.plan.cost?.monthlyDelta, 16.79);
        assert.equal(pending.costApproval, undefined);
        const lead = await decide(handle, { decision: 'approve', planVersion: 1, decider: 'erin' });
        assert.match(
          lead.refused ?? '',
          /erin is not an approver of this change: it needs ops \(alice, bob, carol\)$/,
        );
        const ops = await decide(handle, { decision: 'approve', planVersion: 1, decider: 'alice' });
        assert.deepEqual(ops.ack, { accepted: true, state: 'approved', approvals: 1, required: 1 });
        assert.equal((await lifecycle.result()).outcome, 'completed');
      },
    );
  });

  it('above the delta a person decides even a scale the small-scale rule would let through', async () => {
    const smallScale = { maxReplicaDelta: 1, minReplicas: 1, maxReplicas: 3 };
    const input = gatedInput(policy({ autoApprove: smallScale, costDelta: leads(10) }), {
      scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
    });
    await withRunbook(environment, input, async (handle, _fake, lifecycle) => {
      const pending = await untilPending(environment, handle);
      assert.equal(pending.costApproval?.missing, 1);
      await decide(handle, { decision: 'approve', planVersion: 1, decider: 'bob' });
      await decide(handle, { decision: 'approve', planVersion: 1, decider: 'erin' });
      const result = await lifecycle.result();
      assert.equal(result.approval?.outcome, 'approved');
    });
  });
});
