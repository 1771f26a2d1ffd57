import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type {
  ApprovalAudit,
  ApprovalPolicy,
  ApprovalStage,
  ChangePlan,
  CostDeltaRule,
  DecisionAck,
  DecisionRecord,
  DecisionRequest,
  GateOutcome,
  PendingApproval,
} from '../shared/approval';
import { formatDuration } from '../shared/durations';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { cloneJson } from '../shared/spec-changes';
import {
  approveChangeUpdate,
  approvalAuditQuery,
  approvalDecisionSignal,
  pendingApprovalQuery,
} from './approval-messages';
import { ApprovalNotifier } from './approval-notifier';
import {
  assertedGroups,
  autoApprovalReason,
  costApprovalView,
  costRuleFor,
  DECISION_REFUSED,
  escalationReason,
  GATE_DECIDER,
  ignoredSignal,
  pendingView,
  quorumOf,
  refusalReason,
  waitingDetail,
  type GateView,
} from './approval-rules';

interface OpenStage {
  plan: ChangePlan;
  policy: ApprovalPolicy;
  stage: ApprovalStage;
  stageName: 'primary' | 'escalated';
  deadline: string;
  /** The policy's costDelta when the plan triggers it: more approvers, besides the stage's. */
  cost?: CostDeltaRule;
}

/**
 * One approval gate per runbook, reused by every step that changes a cluster: it shows a plan to
 * the policy's approvers, counts their decisions (update or signal, same rules), and closes as
 * approved, rejected, timed out or auto-approved. Each `decide` is one plan version.
 */
export class ApprovalGate {
  private readonly plans: ChangePlan[] = [];
  private readonly decisions: DecisionRecord[] = [];
  private policyName?: string;
  private open?: OpenStage;
  private closedAs?: GateOutcome;
  private closingDecision?: DecisionRecord;
  private readonly notifier: ApprovalNotifier;

  /** `onWaiting` receives the line to show while the gate waits (the step's detail). */
  constructor(
    runbookId: string,
    private readonly onWaiting: (detail: string) => void = () => undefined,
  ) {
    this.notifier = new ApprovalNotifier(runbookId);
  }

  /** Registers the decision update and signal and the two queries; call once, at workflow start. */
  install(): void {
    setHandler(approveChangeUpdate, (request) => this.acceptUpdate(request), {
      validator: (request) => this.validate(request),
    });
    setHandler(approvalDecisionSignal, (request) => this.acceptSignal(request));
    setHandler(pendingApprovalQuery, () => this.pending());
    setHandler(approvalAuditQuery, () => this.audit());
  }

  /** Asks for approval of one plan under the policy and waits for the outcome. */
  async decide(plan: ChangePlan, policy: ApprovalPolicy): Promise<GateOutcome> {
    this.plans.push(cloneJson(plan));
    this.policyName = policy.name;
    this.closedAs = undefined;
    this.closingDecision = undefined;
    // Above the cost delta a person decides, however small the scale (only with costDelta set).
    const lowRisk = costRuleFor(plan, policy.costDelta)
      ? undefined
      : autoApprovalReason(plan, policy.autoApprove);
    if (lowRisk) {
      this.closingDecision = this.record(plan, 'approve', 'auto', `policy ${policy.name}: ${lowRisk}`);
      return this.close(plan, 'auto-approved');
    }
    const primary = await this.waitFor(plan, policy, 'primary', policy.stage);
    if (primary) return this.close(plan, primary);
    if (policy.escalation) {
      const stage = policy.escalation;
      this.record(plan, 'escalate', 'escalation', escalationReason(policy.stage, stage));
      const escalated = await this.waitFor(plan, policy, 'escalated', stage);
      if (escalated) return this.close(plan, escalated);
    }
    const waited = policy.escalation ?? policy.stage;
    this.closingDecision = this.record(
      plan,
      'reject',
      'timeout',
      `no decision within ${formatDuration(waited.timeoutMs)}: nothing applied`,
    );
    return this.close(plan, 'timed-out');
  }

  /** Every plan and decision so far, with the last outcome: the runbook's audit trail. */
  audit(): ApprovalAudit | undefined {
    if (this.policyName === undefined) return undefined;
    return cloneJson({
      policy: this.policyName,
      plans: this.plans,
      decisions: this.decisions,
      outcome: this.closedAs,
    });
  }

  /** How a gate's decision on a plan reads: `plan v1 approved by carol, bob`, `auto-approved (…)`, `rejected: …`. */
  describeOutcome(outcome: GateOutcome, plan: ChangePlan): string {
    const approvers = this.decisions
      .filter((record) => record.planVersion === plan.version && record.outcome === 'counted')
      .filter((record) => record.decision === 'approve' && record.via !== 'auto')
      .map((record) => record.decider);
    if (outcome === 'approved') return `plan v${plan.version} approved by ${approvers.join(', ')}`;
    if (outcome === 'auto-approved') return `plan v${plan.version} auto-approved (${this.policyName} policy)`;
    return `${outcome}: ${this.closingReason() ?? 'no reason given'}; nothing applied`;
  }

  /** The reason the last gate closed without approval, for the runbook's result. */
  closingReason(): string | undefined {
    const decision = this.closingDecision;
    if (!decision) return undefined;
    const comment = decision.comment ?? decision.reason;
    return decision.via === 'timeout' ? comment : `${decision.decider}: ${comment ?? 'no reason given'}`;
  }

  /**
   * Before the runbook returns: waits (bounded) for notifications still in flight, so the last one
   * is not dropped, and for decision handlers to finish.
   */
  async finish(maxWaitMs = 60_000): Promise<void> {
    await this.notifier.drain(maxWaitMs);
    await condition(allHandlersFinished);
  }

  /** The open stage as `pendingApproval` answers it. */
  pending(): PendingApproval | undefined {
    const open = this.closedAs ? undefined : this.open;
    return open && cloneJson(pendingView(open, open.policy.name, this.decisions));
  }

  /** Opens one stage and waits until it closes (its outcome) or its timeout passes (undefined). */
  private async waitFor(
    plan: ChangePlan,
    policy: ApprovalPolicy,
    stageName: OpenStage['stageName'],
    stage: ApprovalStage,
  ): Promise<GateOutcome | undefined> {
    const deadline = new Date(Date.now() + stage.timeoutMs).toISOString();
    const cost = costRuleFor(plan, policy.costDelta);
    this.open = { plan, policy, stage, stageName, deadline, ...(cost ? { cost } : {}) };
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.approval, value: 'pending' }]);
    this.showWaiting();
    this.notifier.send({
      kind: stageName === 'primary' ? 'requested' : 'escalated',
      plan,
      pending: this.pending(),
    });
    // Quorum may already hold: approvals of this plan in the first stage count in the second.
    this.checkClosed();
    try {
      await condition(() => this.closedAs !== undefined, stage.timeoutMs);
    } catch (error) {
      // Cancelled while waiting: no longer pending for anyone who searches by the attribute.
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.approval, value: 'cancelled' }]);
      throw error;
    } finally {
      this.open = undefined;
    }
    return this.closedAs;
  }

  private close(plan: ChangePlan, outcome: GateOutcome): GateOutcome {
    this.open = undefined;
    this.closedAs = outcome;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.approval, value: outcome }]);
    this.notifier.send({
      kind: outcome === 'timed-out' ? 'timed-out' : 'decided',
      plan,
      decision: this.closingDecision,
      outcome,
    });
    return outcome;
  }

  private view(): GateView {
    const open = this.open && !this.closedAs ? this.open : undefined;
    return { open, closedAs: this.closedAs, decisions: this.decisions };
  }

  /** The update's validator: synchronous, so a refusal leaves nothing in history. */
  private validate(request: DecisionRequest): void {
    const reason = refusalReason(request, this.view());
    if (reason)
      throw ApplicationFailure.create({ type: DECISION_REFUSED, message: reason, nonRetryable: true });
  }

  private acceptUpdate(request: DecisionRequest): DecisionAck {
    // Checked again: an update validated earlier in the same activation may have closed the gate.
    this.validate(request);
    this.count(request, 'update');
    const open = this.open as OpenStage;
    const state = this.closedAs === 'rejected' ? 'rejected' : this.closedAs ? 'approved' : 'pending';
    const quorum = quorumOf(open.plan, open.stage, open.cost, this.decisions);
    if (!open.cost) {
      return {
        accepted: true,
        state,
        approvals: quorum.stageApprovals.length,
        required: open.stage.required,
      };
    }
    // Above the cost delta: distinct people, the stage's and the cost rule's together.
    const required = open.stage.required + open.cost.required;
    const approvals = required - quorum.stageMissing - quorum.costMissing;
    return { accepted: true, state, approvals, required };
  }

  private acceptSignal(request: DecisionRequest): void {
    const reason = refusalReason(request, this.view());
    if (!reason) return this.count(request, 'signal');
    const plan = this.open?.plan ?? this.plans[this.plans.length - 1];
    this.decisions.push(ignoredSignal(request, reason, plan?.version ?? 0, new Date().toISOString()));
  }

  private count(request: DecisionRequest, via: 'update' | 'signal'): void {
    const open = this.open as OpenStage;
    const record: DecisionRecord = {
      decider: request.decider.trim(),
      decision: request.decision,
      planVersion: request.planVersion,
      comment: request.comment,
      at: new Date().toISOString(),
      via,
      outcome: 'counted',
      ...authenticationOf(request),
      ...assertedGroups(request),
    };
    this.decisions.push(record);
    if (request.decision === 'reject') {
      this.closingDecision = record;
      this.closedAs = 'rejected';
      return;
    }
    if (this.checkClosed(record)) return;
    this.showWaiting();
    this.notifier.send({ kind: 'decided', plan: open.plan, decision: record, pending: this.pending() });
  }

  /** Closes the open stage as approved once its quorum holds; true when it did. */
  private checkClosed(lastDecision?: DecisionRecord): boolean {
    const open = this.open;
    if (!open || this.closedAs) return this.closedAs !== undefined;
    const quorum = quorumOf(open.plan, open.stage, open.cost, this.decisions);
    if (quorum.stageMissing > 0 || quorum.costMissing > 0) return false;
    this.closingDecision =
      lastDecision ??
      this.decisions
        .filter((record) => record.planVersion === open.plan.version && record.via !== 'escalation')
        .at(-1);
    this.closedAs = 'approved';
    return true;
  }

  private showWaiting(): void {
    const open = this.open;
    if (!open) return;
    const quorum = quorumOf(open.plan, open.stage, open.cost, this.decisions);
    const view = costApprovalView(open.plan, open.cost, quorum);
    const cost = view && { view, stageMissing: quorum.stageMissing };
    this.onWaiting(waitingDetail(open.stage, quorum.stageApprovals, open.deadline, cost));
  }

  private record(
    plan: ChangePlan,
    decision: DecisionRecord['decision'],
    via: 'auto' | 'timeout' | 'escalation',
    reason: string,
  ): DecisionRecord {
    const record: DecisionRecord = {
      decider: GATE_DECIDER,
      decision,
      planVersion: plan.version,
      at: new Date().toISOString(),
      via,
      outcome: 'counted',
      reason,
    };
    this.decisions.push(record);
    return record;
  }
}

/** The sender's word on how the decider was authenticated, kept short; nothing when absent. Pure. */
function authenticationOf(request: DecisionRequest): Pick<DecisionRecord, 'authenticatedBy'> {
  const value = request.authenticatedBy;
  return typeof value === 'string' && /^[a-z-]{1,32}$/.test(value) ? { authenticatedBy: value } : {};
}
