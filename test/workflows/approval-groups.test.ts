import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isStageApprover,
  type ApprovalStage,
  type ChangePlan,
  type DecisionRecord,
  type DecisionRequest,
} from '../../src/shared/approval';
import {
  approvalsOf,
  assertedGroups,
  refusalReason,
  type GateView,
} from '../../src/workflows/approval-rules';

/** The one rule for who approves: a configured member, or a member by a group the sender asserts. */

const STAGE: ApprovalStage = {
  groups: ['release-managers'],
  approvers: ['erin'],
  required: 1,
  timeoutMs: 3_600_000,
};

const PLAN: ChangePlan = {
  version: 1,
  clusterId: 'c-1',
  clusterName: 'clusters-example',
  resourceVersion: 3,
  changes: [],
  diffLines: [],
  requester: 'carol@example.com',
  coRequesters: ['gina@example.com'],
  createdAt: '2026-12-06T00:00:00.000Z',
};

function gate(decisions: DecisionRecord[] = []): GateView {
  return { open: { plan: PLAN, stage: STAGE, stageName: 'primary' }, decisions };
}

function approve(decider: string, groups?: unknown): DecisionRequest {
  return {
    decider,
    decision: 'approve',
    planVersion: 1,
    ...(groups === undefined ? {} : { groups }),
  } as DecisionRequest;
}

function counted(decider: string, groups?: string[]): DecisionRecord {
  return {
    decider,
    decision: 'approve',
    planVersion: 1,
    at: '2026-12-06T00:01:00.000Z',
    via: 'update',
    outcome: 'counted',
    ...(groups ? { groups } : {}),
  };
}

describe('approvers by group', () => {
  it('counts a configured member, or anyone who asserts one of the stage groups, and nobody else', () => {
    assert.equal(isStageApprover(STAGE, 'erin'), true);
    assert.equal(isStageApprover(STAGE, 'dana@example.com', ['staff', 'release-managers']), true);
    assert.equal(isStageApprover(STAGE, 'dana@example.com'), false);
    assert.equal(isStageApprover(STAGE, 'dana@example.com', ['staff']), false);
    assert.equal(isStageApprover(STAGE, 'dana@example.com', []), false);
  });

  it('lets the validator accept a decision by group, and refuse one without it as before', () => {
    assert.equal(refusalReason(approve('dana@example.com', ['release-managers']), gate()), undefined);
    assert.equal(
      refusalReason(approve('dana@example.com'), gate()),
      'dana@example.com is not an approver of this change: it needs release-managers (erin)',
    );
    assert.equal(refusalReason(approve('erin'), gate()), undefined);
  });

  it('keeps four eyes: a requester or co-requester in the group still cannot approve', () => {
    for (const requester of ['carol@example.com', 'gina@example.com']) {
      assert.match(
        refusalReason(approve(requester, ['release-managers']), gate()) ?? '',
        /requested this change and cannot approve it \(four eyes\)/,
      );
    }
  });

  it('refuses groups that are not a short list of names', () => {
    const tooMany = Array.from({ length: 201 }, (_, index) => `group-${index}`);
    for (const groups of ['release-managers', [''], [42], tooMany]) {
      assert.match(
        refusalReason(approve('dana@example.com', groups), gate()) ?? '',
        /^groups must be a list of at most 200/,
      );
    }
  });

  it('counts a recorded approval by its recorded groups, so the quorum and the validator agree', () => {
    const decisions = [
      counted('dana@example.com', ['release-managers']),
      counted('frank@example.com', ['staff']),
    ];
    assert.deepEqual(approvalsOf(PLAN, STAGE, decisions), ['dana@example.com']);
    assert.match(
      refusalReason(approve('dana@example.com', ['release-managers']), gate(decisions)) ?? '',
      /already decided/,
    );
  });

  it('records groups only when some were sent: a decision without them is recorded exactly as before', () => {
    assert.deepEqual(assertedGroups(approve('erin')), {});
    assert.deepEqual(assertedGroups(approve('erin', [])), {});
    assert.deepEqual(assertedGroups(approve('dana@example.com', ['release-managers'])), {
      groups: ['release-managers'],
    });
  });
});
