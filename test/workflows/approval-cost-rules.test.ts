import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangePlan, CostDeltaRule, DecisionRecord, PlanCost } from '../../src/shared/approval';
import {
  costApprovalView,
  costRuleFor,
  quorumOf,
  refusalReason,
  waitingDetail,
} from '../../src/workflows/approval-rules';
import { costDetail } from '../../src/shared/cost';

/** The cost rule's pure functions, shared by the gate's validator and its counting. */

const cost = (monthlyDelta: number): PlanCost => ({
  currency: 'USD',
  monthlyBefore: 1401.6,
  monthlyAfter: 1401.6 + monthlyDelta,
  monthlyDelta,
  hoursPerMonth: 730,
  unpriced: [],
});

function plan(planCost?: PlanCost): ChangePlan {
  return {
    version: 1,
    clusterId: 'uid-1',
    clusterName: 'c',
    resourceVersion: 1,
    changes: [],
    diffLines: [],
    requester: 'dave',
    createdAt: '2026-12-06T00:00:00.000Z',
    ...(planCost ? { cost: planCost } : {}),
  };
}

const rule: CostDeltaRule = { above: 5000, groups: ['leads'], approvers: ['carol', 'erin'], required: 1 };
const stage = { groups: ['ops'], approvers: ['alice', 'bob', 'carol'], required: 1, timeoutMs: 1000 };

function approvals(...deciders: string[]): DecisionRecord[] {
  return deciders.map((decider) => ({
    decider,
    decision: 'approve',
    planVersion: 1,
    at: '2026-12-06T00:00:00.000Z',
    via: 'update',
    outcome: 'counted',
  }));
}

describe('the cost delta rule', () => {
  it('applies only to a rise above the threshold, never to a decrease or a plan without a cost', () => {
    assert.equal(costRuleFor(plan(cost(6000)), rule), rule);
    assert.equal(costRuleFor(plan(cost(5000)), rule), undefined);
    assert.equal(costRuleFor(plan(cost(-9000)), rule), undefined);
    assert.equal(costRuleFor(plan(), rule), undefined);
    assert.equal(costRuleFor(plan(cost(6000)), undefined), undefined);
  });

  it('needs the stage’s approvals and the cost rule’s, each person counted once', () => {
    const above = plan(cost(6000));
    assert.deepEqual(quorumOf(above, stage, rule, approvals('alice')), {
      stageApprovals: ['alice'],
      costApprovals: [],
      stageMissing: 0,
      costMissing: 1,
    });
    assert.deepEqual(quorumOf(above, stage, rule, approvals('alice', 'erin')), {
      stageApprovals: ['alice'],
      costApprovals: ['erin'],
      stageMissing: 0,
      costMissing: 0,
    });
    // carol is in ops and in leads: she fills the cost rule, and ops still needs someone else.
    assert.deepEqual(quorumOf(above, stage, rule, approvals('carol')), {
      stageApprovals: ['carol'],
      costApprovals: ['carol'],
      stageMissing: 1,
      costMissing: 0,
    });
    assert.equal(quorumOf(above, stage, rule, approvals('carol', 'bob')).stageMissing, 0);
    // erin (a lead only) fills the cost rule, so carol counts for ops.
    assert.deepEqual(
      [quorumOf(above, stage, rule, approvals('carol', 'erin'))].map((q) => [q.stageMissing, q.costMissing]),
      [[0, 0]],
    );
  });

  it('counts as before the rule existed when the plan does not trigger it', () => {
    assert.deepEqual(quorumOf(plan(cost(10)), stage, undefined, approvals('alice')), {
      stageApprovals: ['alice'],
      costApprovals: [],
      stageMissing: 0,
      costMissing: 0,
    });
  });

  it('lets the cost approvers decide only while the rule applies', () => {
    const request = { decider: 'erin', decision: 'approve', planVersion: 1 } as const;
    const open = (planCost: PlanCost, applies: boolean) => ({
      open: {
        plan: plan(planCost),
        stage,
        stageName: 'primary' as const,
        ...(applies ? { cost: rule } : {}),
      },
      decisions: [],
    });
    assert.equal(refusalReason(request, open(cost(6000), true)), undefined);
    assert.match(refusalReason(request, open(cost(10), false)) ?? '', /erin is not an approver/);
  });

  it('says what is missing and why', () => {
    const above = plan(cost(6000));
    const quorum = quorumOf(above, stage, rule, approvals('alice'));
    const view = costApprovalView(above, rule, quorum);
    assert.ok(view);
    assert.equal(
      costDetail(view),
      'needs 1 more approval from leads (carol, erin): the change adds USD 6,000.00 a month, above 5,000',
    );
    assert.equal(
      waitingDetail(stage, quorum.stageApprovals, 'D', { view, stageMissing: quorum.stageMissing }),
      'waiting for 0 of 1 approvals from ops (alice, bob, carol) until D; approved so far: alice; ' +
        'needs 1 more approval from leads (carol, erin): the change adds USD 6,000.00 a month, above 5,000',
    );
    const done = costApprovalView(above, rule, quorumOf(above, stage, rule, approvals('alice', 'erin')));
    assert.ok(done);
    assert.equal(
      costDetail(done),
      'leads approved (erin): the change adds USD 6,000.00 a month, above 5,000',
    );
    // Without the rule the line reads exactly as it always did.
    assert.equal(
      waitingDetail(stage, ['alice'], 'D'),
      'waiting for 0 of 1 approvals from ops (alice, bob, carol) until D; approved so far: alice',
    );
  });
});
