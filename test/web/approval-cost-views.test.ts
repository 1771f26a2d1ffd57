import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalMessage } from '../../src/activities/approval-message';
import type { ApprovalAudit, ChangePlan, PendingApproval, PlanCost } from '../../src/shared/approval';
import { renderAudit, renderPendingCard } from '../../src/web/approval-views';

/** A plan's monthly cost and the cost rule on the page's card and audit and in the chat message. */

const COST: PlanCost = {
  currency: 'USD',
  monthlyBefore: 1401.6,
  monthlyAfter: 7401.6,
  monthlyDelta: 6000,
  hoursPerMonth: 730,
  unpriced: ['m9.huge'],
  pricesAsOf: '2026-11-27',
};

function plan(cost?: PlanCost): ChangePlan {
  return {
    version: 1,
    clusterId: 'uid-1',
    clusterName: 'clusters-example',
    resourceVersion: 3,
    changes: [{ path: 'spec.data.tier1.replicas', kind: 'changed', before: 10, after: 20 }],
    diffLines: ['spec.data.tier1.replicas: 10 → 20'],
    requester: 'dave',
    createdAt: '2030-01-01T00:00:00.000Z',
    ...(cost ? { cost } : {}),
  };
}

function pending(cost?: PlanCost): PendingApproval {
  return {
    plan: plan(cost),
    policy: 'default',
    stage: 'primary',
    groups: ['ops'],
    approvers: ['alice', 'bob'],
    required: 1,
    approvals: ['alice'],
    deadline: '2030-01-02T00:00:00.000Z',
    ...(cost
      ? {
          costApproval: {
            above: 5000,
            monthlyDelta: cost.monthlyDelta,
            currency: cost.currency,
            groups: ['leads'],
            approvers: ['erin'],
            required: 1,
            approvals: [],
            missing: 1,
          },
        }
      : {}),
  };
}

const viewer = (user: string) => ({ user, csrfToken: 't', now: new Date('2030-01-01T01:00:00Z') });

describe('a plan’s cost on the page and in chat', () => {
  it('shows the cost, the prices’ date, the unpriced types and the cost rule on the pending card', () => {
    const card = String(renderPendingCard('change:uid-1', pending(COST), viewer('erin'), '/approvals'));
    assert.match(card, /Monthly cost<\/dt>\s*<dd data-cost-delta="6000">/);
    assert.match(card, /<strong>USD 1,401\.60 → USD 7,401\.60 \(\+6,000\.00\)<\/strong>/);
    assert.match(card, /prices as of 2026-11-27, 730 h a month/);
    assert.match(card, /m9\.huge has no price: counted as 0/);
    assert.match(
      card,
      /Cost rule<\/dt>\s*<dd class="cost-rule">needs 1 more approval from leads \(erin\): the change adds USD 6,000\.00 a month, above 5,000<\/dd>/,
    );
    // erin is not an ops approver, but the cost rule makes her one of this plan's.
    assert.doesNotMatch(card, /You are not among the approvers/);
  });

  it('renders a plan recorded before costs without a cost line', () => {
    const card = String(renderPendingCard('change:uid-1', pending(), viewer('alice'), '/approvals'));
    assert.doesNotMatch(card, /Monthly cost|Cost rule/);
    assert.match(card, /Approve plan v1/);
    const audit: ApprovalAudit = { policy: 'default', plans: [plan()], decisions: [] };
    assert.doesNotMatch(String(renderAudit(audit, new Date())), /monthly cost/);
  });

  it('lists each plan’s cost in the audit', () => {
    const audit: ApprovalAudit = {
      policy: 'default',
      plans: [plan(COST)],
      decisions: [],
      outcome: 'approved',
    };
    assert.match(
      String(renderAudit(audit, new Date())),
      /plan v1: monthly cost USD 1,401\.60 → USD 7,401\.60 \(\+6,000\.00\);\s+prices as of 2026-11-27, 730 h a month; m9\.huge has no price: counted as 0/,
    );
  });

  it('adds a Monthly cost field to the chat message, with the cost rule while it waits', () => {
    const message = approvalMessage(
      { kind: 'requested', runbookId: 'change:uid-1', plan: plan(COST), pending: pending(COST) },
      'http://127.0.0.1:8787',
    );
    const fields = message.blocks.flatMap((block) => ('fields' in block ? (block.fields ?? []) : []));
    const field = fields.find((candidate) => candidate.text.startsWith('*Monthly cost*'));
    assert.equal(
      field?.text,
      '*Monthly cost*\nUSD 1,401.60 → USD 7,401.60 (+6,000.00)\nprices as of 2026-11-27, 730 h a month\n' +
        'm9.huge has no price: counted as 0\n' +
        'needs 1 more approval from leads (erin): the change adds USD 6,000.00 a month, above 5,000',
    );
    const old = approvalMessage(
      { kind: 'requested', runbookId: 'change:uid-1', plan: plan(), pending: pending() },
      'http://127.0.0.1:8787',
    );
    assert.doesNotMatch(JSON.stringify(old), /Monthly cost/);
  });
});
