import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalAudit, DecisionAck, DecisionRequest, PendingApproval } from '../shared/approval';

/** Approvers decide through this update; its validator refuses, with a reason, any decision that breaks a rule. */
export const approveChangeUpdate = defineUpdate<DecisionAck, [DecisionRequest]>('approveChange');

/** The same decision for tools that can only signal; a decision that breaks a rule is recorded and ignored. */
export const approvalDecisionSignal = defineSignal<[DecisionRequest]>('approvalDecision');

/** The open gate's plan, approvers and approvals so far; undefined when nothing waits for approval. */
export const pendingApprovalQuery = defineQuery<PendingApproval | undefined>('pendingApproval');

/** Every plan and decision so far, for `imply-runbooks audit`. */
export const approvalAuditQuery = defineQuery<ApprovalAudit | undefined>('approvalAudit');
