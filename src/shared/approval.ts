/**
 * The approval gate's shared vocabulary: plans, policies and decisions. Plain types and pure
 * functions only: imported by workflows, activities, the CLI and the web server alike.
 */

/** One field that a change alters: `spec.data.tier1.replicas: 1 → 2`. */
export interface PlanChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** What an approver sees: the cluster as it is and the change to it, validated with dryRun. */
export interface ChangePlan {
  /** 1 for the first plan of a gate, +1 each time drift forces a new one. */
  version: number;
  clusterId: string;
  clusterName: string;
  /** The resourceVersion the plan was made against: an approval applies to exactly that state. */
  resourceVersion: number;
  changes: PlanChange[];
  /** The same changes as readable lines, for pages, chat and the CLI. */
  diffLines: string[];
  /** Who asked for the change (IMPLY_RUNBOOKS_USER or `--as` of `run`, the trigger's identity). */
  requester: string;
  /** Others whose requests merged into this change: like the requester, they cannot approve it. */
  coRequesters?: string[];
  reason?: string;
  createdAt: string;
  /**
   * What the cluster costs a month before and after the change, by the worker's price table.
   * Absent in plans recorded before costs were computed.
   */
  cost?: PlanCost;
}

/** A plan's monthly cost: instance-hours × hourly list prices × `hoursPerMonth` (see shared/cost.ts). */
export interface PlanCost {
  currency: string;
  monthlyBefore: number;
  monthlyAfter: number;
  /** `monthlyAfter - monthlyBefore`: positive when the change costs more. */
  monthlyDelta: number;
  /** 730: a year's 8,760 hours over 12 months. */
  hoursPerMonth: number;
  /** Instance types (before or after) without a price: counted as 0. */
  unpriced: string[];
  /** The price table's date, when it has one. */
  pricesAsOf?: string;
}

/** One approval stage: who may decide, how many approvals it needs, how long it waits. */
export interface ApprovalStage {
  /** Group names, for display and audit. */
  groups: string[];
  /** Members of those groups, resolved from the configuration when the runbook started. */
  approvers: string[];
  /** Approvals needed (N of M). */
  required: number;
  timeoutMs: number;
}

/** Low-risk changes that need nobody: only replica changes of at most `maxReplicaDelta`, within bounds. */
export interface AutoApproveRule {
  maxReplicaDelta: number;
  minReplicas?: number;
  maxReplicas?: number;
}

/** The policy a runbook was started with (resolved from the config file by cluster tag or name). */
export interface ApprovalPolicy {
  /** The policy's name in the configuration, for audit. */
  name: string;
  stage: ApprovalStage;
  /** At timeout: reject (absent), or ask a second stage with its own timeout. */
  escalation?: ApprovalStage;
  autoApprove?: AutoApproveRule;
  /** More approvers when a plan adds more than `above` a month (see workflows/approval-rules.ts). */
  costDelta?: CostDeltaRule;
}

/**
 * `costDelta` of a policy: a plan whose monthly cost rises by more than `above` (in the plan's
 * currency) needs, besides the stage's own approvals, `required` approvals from these approvers.
 * Decreases, and plans without a cost, never trigger it.
 */
export interface CostDeltaRule {
  above: number;
  groups: string[];
  approvers: string[];
  required: number;
}

/** A decision as an approver sends it, through the update or the signal. */
export interface DecisionRequest {
  decider: string;
  decision: 'approve' | 'reject';
  /** The plan version the decider looked at: a decision on a superseded plan is refused. */
  planVersion: number;
  comment?: string;
  /**
   * How the sender knew who the decider is, for the audit: `token-link` or `proxy-header` (the web
   * page), `cli` (the name given to the CLI: `--as` or IMPLY_RUNBOOKS_USER, trusted as far as access
   * to Temporal is), `oidc` (a session from an OpenID Connect sign-in), later `slack`. Absent in
   * decisions sent before it was recorded.
   */
  authenticatedBy?: string;
  /**
   * The decider's groups as the sender asserts them (the web page: the OIDC token's groups claim).
   * Trusted like `decider`: as far as access to Temporal is. Absent: only `approvers` counts.
   */
  groups?: string[];
}

/** A decision as the runbook records it, including the ones it refused (signals) and its own. */
export interface DecisionRecord {
  decider: string;
  /** `escalate` only in the gate's own entry (via `escalation`) when the first stage timed out. */
  decision: 'approve' | 'reject' | 'escalate';
  planVersion: number;
  comment?: string;
  at: string;
  via: 'update' | 'signal' | 'auto' | 'timeout' | 'escalation';
  /** `ignored` for a signal that broke a rule; `reason` says which. */
  outcome: 'counted' | 'ignored';
  reason?: string;
  /** As the sender said (see DecisionRequest). */
  authenticatedBy?: string;
  /** As the sender asserted them (see DecisionRequest); absent when none were sent. */
  groups?: string[];
}

/** A decision may assert at most this many groups: its record keeps them all. */
export const MAX_ASSERTED_GROUPS = 200;

/**
 * Whether `decider` may decide in `stage`: named among its approvers (the configuration's members),
 * or in one of its groups by the groups the sender asserts. The one rule for who is an approver. Pure.
 */
export function isStageApprover(
  stage: Pick<ApprovalStage, 'approvers' | 'groups'>,
  decider: string,
  groups?: readonly string[],
): boolean {
  return stage.approvers.includes(decider) || (groups ?? []).some((group) => stage.groups.includes(group));
}

export type GateOutcome = 'approved' | 'rejected' | 'timed-out' | 'auto-approved';

/** What the `pendingApproval` query answers while the gate is open. */
export interface PendingApproval {
  plan: ChangePlan;
  policy: string;
  stage: 'primary' | 'escalated';
  groups: string[];
  approvers: string[];
  required: number;
  approvals: string[];
  deadline: string;
  /** Present when the plan's cost rise triggers the policy's `costDelta`: the extra approvals it needs. */
  costApproval?: CostApprovalView;
}

/** The `costDelta` approvals of an open gate, as the `pendingApproval` query answers them. */
export interface CostApprovalView {
  above: number;
  monthlyDelta: number;
  currency: string;
  groups: string[];
  approvers: string[];
  required: number;
  /** Those of `approvers` who approved this plan. */
  approvals: string[];
  /** Approvals still needed from `approvers` (0 once the cost rule holds). */
  missing: number;
}

/** The gate's part of a runbook's result and of `imply-runbooks audit`. */
export interface ApprovalAudit {
  policy: string;
  plans: ChangePlan[];
  decisions: DecisionRecord[];
  outcome?: GateOutcome;
}

/** The update's answer to an accepted decision. */
export interface DecisionAck {
  accepted: true;
  state: 'pending' | 'approved' | 'rejected';
  approvals: number;
  required: number;
}

/** What the gate tells `notifyApproval` (chat webhooks): a gate opened, a decision, a timeout, an escalation. */
export interface ApprovalEvent {
  kind: 'requested' | 'decided' | 'timed-out' | 'escalated';
  runbookId: string;
  plan: ChangePlan;
  /** The open stage (requested, escalated, or a decision that leaves the gate open). */
  pending?: PendingApproval;
  decision?: DecisionRecord;
  /** Set once the gate has closed. */
  outcome?: GateOutcome;
}
