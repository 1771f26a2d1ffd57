import type {
  ApprovalStage,
  AutoApproveRule,
  ChangePlan,
  DecisionRecord,
  DecisionRequest,
  PendingApproval,
} from '../shared/approval';
import { isStageApprover, MAX_ASSERTED_GROUPS } from '../shared/approval';
import { formatDuration } from '../shared/durations';

/**
 * The approval gate's rules as pure functions: who may decide, what counts, what needs nobody.
 * Kept apart from the gate so the update validator and the signal handler apply exactly the same.
 */

/** The failure type of a refused decision, for clients that match on it. */
export const DECISION_REFUSED = 'DecisionRefused';

/** Who records the gate's own entries (auto-approval, timeout, escalation). */
export const GATE_DECIDER = 'imply-runbooks';

/** The gate as the rules see it: the plan and stage open now, or why none is. */
export interface GateView {
  open?: { plan: ChangePlan; stage: ApprovalStage; stageName: 'primary' | 'escalated' };
  /** How the last gate closed, when none is open. */
  closedAs?: string;
  decisions: readonly DecisionRecord[];
}

function shapeProblem(request: DecisionRequest): string | undefined {
  if (typeof request !== 'object' || request === null) return 'a decision must be an object';
  if (typeof request.decider !== 'string' || request.decider.trim() === '') {
    return 'decider is required: say who decides (--as <user> or IMPLY_RUNBOOKS_USER)';
  }
  if (request.decision !== 'approve' && request.decision !== 'reject') {
    return `decision must be "approve" or "reject", not ${JSON.stringify(request.decision)}`;
  }
  if (!Number.isInteger(request.planVersion) || request.planVersion < 1) {
    return 'planVersion must be the version of the plan you reviewed (1, 2, …)';
  }
  if (request.comment !== undefined && typeof request.comment !== 'string') return 'comment must be text';
  return groupsProblem(request.groups);
}

const MAX_GROUP_LENGTH = 256;

function groupsProblem(groups: unknown): string | undefined {
  if (groups === undefined) return undefined;
  if (
    !Array.isArray(groups) ||
    groups.length > MAX_ASSERTED_GROUPS ||
    !groups.every((group) => typeof group === 'string' && group !== '' && group.length <= MAX_GROUP_LENGTH)
  ) {
    return `groups must be a list of at most ${MAX_ASSERTED_GROUPS} group names (each 1 to ${MAX_GROUP_LENGTH} characters)`;
  }
  return undefined;
}

/** The groups a counted decision records: those asserted, or nothing when none were. Pure. */
export function assertedGroups(request: DecisionRequest): Pick<DecisionRecord, 'groups'> {
  return Array.isArray(request.groups) && request.groups.length > 0 ? { groups: [...request.groups] } : {};
}

/** Why a decision must be refused, or undefined when it counts. Pure. */
export function refusalReason(request: DecisionRequest, gate: GateView): string | undefined {
  const shape = shapeProblem(request);
  if (shape) return shape;
  const open = gate.open;
  if (!open) {
    return gate.closedAs
      ? `the approval has already closed (${gate.closedAs}): no decision is needed now`
      : 'nothing in this runbook is waiting for approval';
  }
  const { plan, stage } = open;
  const decider = request.decider.trim();
  if (request.planVersion < plan.version) {
    return `plan version ${request.planVersion} was superseded by version ${plan.version} (the cluster changed since): review the new plan and decide on version ${plan.version}`;
  }
  if (request.planVersion > plan.version) {
    return `plan version ${request.planVersion} does not exist: the plan waiting for approval is version ${plan.version}`;
  }
  if (!isStageApprover(stage, decider, request.groups)) {
    return `${decider} is not an approver of this change: it needs ${stage.groups.join(', ')} (${stage.approvers.join(', ')})`;
  }
  if (
    request.decision === 'approve' &&
    (decider === plan.requester || plan.coRequesters?.includes(decider))
  ) {
    return `${decider} requested this change and cannot approve it (four eyes): ask another of ${stage.approvers.join(', ')}`;
  }
  const earlier = gate.decisions.find(
    (record) =>
      record.outcome === 'counted' && record.planVersion === plan.version && record.decider === decider,
  );
  if (earlier) {
    return `${decider} already decided on plan version ${plan.version} (${earlier.decision} at ${earlier.at}): one decision per person`;
  }
  return undefined;
}

/** The approvers of the stage who have approved this plan (in any stage of it), in order. Pure. */
export function approvalsOf(
  plan: ChangePlan,
  stage: ApprovalStage,
  decisions: readonly DecisionRecord[],
): string[] {
  return decisions
    .filter(
      (record) =>
        record.outcome === 'counted' &&
        record.decision === 'approve' &&
        record.planVersion === plan.version &&
        (record.via === 'update' || record.via === 'signal') &&
        isStageApprover(stage, record.decider, record.groups),
    )
    .map((record) => record.decider);
}

const REPLICA_PATH = /^spec\.(data\.tier\d+|master|query)\.replicas$/;

/**
 * Why the plan needs nobody under the rule (every change a replica count that moves by at most
 * `maxReplicaDelta` and stays within bounds), or undefined when a person must decide. Pure.
 */
export function autoApprovalReason(plan: ChangePlan, rule: AutoApproveRule | undefined): string | undefined {
  if (!rule || plan.changes.length === 0) return undefined;
  const parts: string[] = [];
  for (const change of plan.changes) {
    const { before, after } = change;
    if (!REPLICA_PATH.test(change.path) || change.kind !== 'changed') return undefined;
    if (typeof before !== 'number' || typeof after !== 'number') return undefined;
    if (Math.abs(after - before) > rule.maxReplicaDelta) return undefined;
    if (rule.minReplicas !== undefined && after < rule.minReplicas) return undefined;
    if (rule.maxReplicas !== undefined && after > rule.maxReplicas) return undefined;
    parts.push(`${change.path} ${before} → ${after}`);
  }
  const bounds = `${rule.minReplicas ?? 0}..${rule.maxReplicas ?? '∞'}`;
  return `low risk: ${parts.join(', ')} (at most ±${rule.maxReplicaDelta} replica, within ${bounds})`;
}

/** `waiting for 1 of 1 approvals from ops (alice, bob) until …`: approvals still needed of those required. Pure. */
export function waitingDetail(stage: ApprovalStage, approvals: readonly string[], deadline: string): string {
  const sofar = approvals.length > 0 ? `; approved so far: ${approvals.join(', ')}` : '';
  const remaining = Math.max(stage.required - approvals.length, 0);
  return (
    `waiting for ${remaining} of ${stage.required} approvals from ` +
    `${stage.groups.join(', ')} (${stage.approvers.join(', ')}) until ${deadline}${sofar}`
  );
}

/** The open stage as the `pendingApproval` query answers it. Pure. */
export function pendingView(
  open: NonNullable<GateView['open']> & { deadline: string },
  policyName: string,
  decisions: readonly DecisionRecord[],
): PendingApproval {
  return {
    plan: open.plan,
    policy: policyName,
    stage: open.stageName,
    groups: open.stage.groups,
    approvers: open.stage.approvers,
    required: open.stage.required,
    approvals: approvalsOf(open.plan, open.stage, decisions),
    deadline: open.deadline,
  };
}

/** A signalled decision that broke a rule, recorded as sent (whatever its shape) with the reason. Pure. */
export function ignoredSignal(
  request: DecisionRequest | null | undefined,
  reason: string,
  currentVersion: number,
  at: string,
): DecisionRecord {
  return {
    decider: typeof request?.decider === 'string' ? request.decider.trim() : String(request?.decider),
    decision: request?.decision === 'approve' ? 'approve' : 'reject',
    planVersion: Number.isInteger(request?.planVersion) ? (request?.planVersion as number) : currentVersion,
    comment: typeof request?.comment === 'string' ? request.comment : undefined,
    at,
    via: 'signal',
    outcome: 'ignored',
    reason,
  };
}

/** The gate's own entry when the first stage timed out and a second one is asked. Pure. */
export function escalationReason(primary: ApprovalStage, escalation: ApprovalStage): string {
  return (
    `no decision from ${primary.groups.join(', ')} within ${formatDuration(primary.timeoutMs)}: ` +
    `escalated to ${escalation.groups.join(', ')} (${escalation.approvers.join(', ')})`
  );
}
