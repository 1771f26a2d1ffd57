import type {
  ApprovalStage,
  AutoApproveRule,
  ChangePlan,
  CostApprovalView,
  CostDeltaRule,
  DecisionRecord,
  DecisionRequest,
  PendingApproval,
} from '../shared/approval';
import { isStageApprover, MAX_ASSERTED_GROUPS } from '../shared/approval';
import { costDetail } from '../shared/cost';
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
  open?: {
    plan: ChangePlan;
    stage: ApprovalStage;
    stageName: 'primary' | 'escalated';
    /** The policy's `costDelta` when this plan triggers it (costRuleFor): more approvers needed. */
    cost?: CostDeltaRule;
  };
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
  const { plan, stage, cost } = open;
  const decider = request.decider.trim();
  const deciders = decidersOf(stage, cost);
  if (request.planVersion < plan.version) {
    return `plan version ${request.planVersion} was superseded by version ${plan.version} (the cluster changed since): review the new plan and decide on version ${plan.version}`;
  }
  if (request.planVersion > plan.version) {
    return `plan version ${request.planVersion} does not exist: the plan waiting for approval is version ${plan.version}`;
  }
  const eligible =
    isStageApprover(stage, decider, request.groups) ||
    (cost !== undefined && isStageApprover(cost, decider, request.groups));
  if (!eligible) {
    const costGroups = cost
      ? ` and, for its cost, ${cost.groups.join(', ')} (${cost.approvers.join(', ')})`
      : '';
    return `${decider} is not an approver of this change: it needs ${stage.groups.join(', ')} (${stage.approvers.join(', ')})${costGroups}`;
  }
  if (
    request.decision === 'approve' &&
    (decider === plan.requester || plan.coRequesters?.includes(decider))
  ) {
    const others = deciders.filter((name) => name !== plan.requester && !plan.coRequesters?.includes(name));
    return `${decider} requested this change and cannot approve it (four eyes): ask another of ${others.join(', ')}`;
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

/** The approvers of the stage (or cost rule) who have approved this plan (in any stage of it), in order. Pure. */
export function approvalsOf(
  plan: ChangePlan,
  stage: Pick<ApprovalStage, 'approvers' | 'groups'>,
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

/**
 * `waiting for 1 of 1 approvals from ops (alice, bob) until …`: approvals still needed of those
 * required; with `cost` (the plan triggers the policy's costDelta) the cost rule's progress after
 * it, and `remaining` counting each person once (quorumOf). Pure.
 */
export function waitingDetail(
  stage: ApprovalStage,
  approvals: readonly string[],
  deadline: string,
  cost?: { view: CostApprovalView; stageMissing: number },
): string {
  const everyone = [...new Set([...approvals, ...(cost?.view.approvals ?? [])])];
  const sofar = everyone.length > 0 ? `; approved so far: ${everyone.join(', ')}` : '';
  const remaining = cost ? cost.stageMissing : Math.max(stage.required - approvals.length, 0);
  return (
    `waiting for ${remaining} of ${stage.required} approvals from ` +
    `${stage.groups.join(', ')} (${stage.approvers.join(', ')}) until ${deadline}${sofar}` +
    (cost ? `; ${costDetail(cost.view)}` : '')
  );
}

/** The open stage as the `pendingApproval` query answers it. Pure. */
export function pendingView(
  open: NonNullable<GateView['open']> & { deadline: string },
  policyName: string,
  decisions: readonly DecisionRecord[],
): PendingApproval {
  const quorum = quorumOf(open.plan, open.stage, open.cost, decisions);
  const costApproval = costApprovalView(open.plan, open.cost, quorum);
  return {
    plan: open.plan,
    policy: policyName,
    stage: open.stageName,
    groups: open.stage.groups,
    approvers: open.stage.approvers,
    required: open.stage.required,
    approvals: quorum.stageApprovals,
    deadline: open.deadline,
    ...(costApproval ? { costApproval } : {}),
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

/**
 * The policy's `costDelta` when this plan triggers it: its monthly cost rises by more than `above`.
 * A decrease never triggers it, nor a plan without a cost (recorded before costs were computed),
 * nor a policy without the rule: for those the gate behaves exactly as before the rule existed,
 * which is why old histories replay without a `patched()` guard. Pure.
 */
export function costRuleFor(
  plan: Pick<ChangePlan, 'cost'>,
  rule: CostDeltaRule | undefined,
): CostDeltaRule | undefined {
  if (!rule || !plan.cost) return undefined;
  return plan.cost.monthlyDelta > rule.above ? rule : undefined;
}

/** Who may decide on the open stage: its approvers, then the cost rule's when it applies. Pure. */
export function decidersOf(stage: ApprovalStage, cost: CostDeltaRule | undefined): string[] {
  return [...new Set([...stage.approvers, ...(cost?.approvers ?? [])])];
}

/** How far the open stage is: approvals still needed from the stage and from the cost rule. */
export interface Quorum {
  stageApprovals: string[];
  costApprovals: string[];
  /** Stage approvals still needed, each person counted once (see quorumOf). */
  stageMissing: number;
  costMissing: number;
}

/**
 * The approvals that count toward the stage and toward the cost rule. Above the delta the cost
 * rule asks for more approvers, so each person counts once: cost approvals come first from those
 * outside the stage, and a person in both groups who fills the cost rule does not also count for
 * the stage. The gate closes when both are 0. Pure.
 */
export function quorumOf(
  plan: ChangePlan,
  stage: ApprovalStage,
  cost: CostDeltaRule | undefined,
  decisions: readonly DecisionRecord[],
): Quorum {
  const stageApprovals = approvalsOf(plan, stage, decisions);
  if (!cost) {
    const stageMissing = Math.max(stage.required - stageApprovals.length, 0);
    return { stageApprovals, costApprovals: [], stageMissing, costMissing: 0 };
  }
  const costApprovals = approvalsOf(plan, cost, decisions);
  const outsideStage = costApprovals.filter((name) => !stage.approvers.includes(name)).length;
  const borrowed = Math.min(cost.required, costApprovals.length) - Math.min(outsideStage, cost.required);
  return {
    stageApprovals,
    costApprovals,
    stageMissing: Math.max(stage.required - (stageApprovals.length - borrowed), 0),
    costMissing: Math.max(cost.required - costApprovals.length, 0),
  };
}

/** The cost rule's part of the pending view, or undefined when the plan does not trigger it. Pure. */
export function costApprovalView(
  plan: ChangePlan,
  cost: CostDeltaRule | undefined,
  quorum: Quorum,
): CostApprovalView | undefined {
  if (!cost || !plan.cost) return undefined;
  return {
    above: cost.above,
    monthlyDelta: plan.cost.monthlyDelta,
    currency: plan.cost.currency,
    groups: cost.groups,
    approvers: cost.approvers,
    required: cost.required,
    approvals: quorum.costApprovals,
    missing: quorum.costMissing,
  };
}
