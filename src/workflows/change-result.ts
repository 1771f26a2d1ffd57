import { autoApprovalProblem } from '../shared/change-policy';
import { formatMoney } from '../shared/cost';
import type { PlannedChange } from '../activities';
import type { ChangeInput, ChangeOutcome, ChangeRequest, ChangeResult } from '../shared/change';
import type { ApprovalGate } from './approval';
import { costRuleFor } from './approval-rules';
import type { ChangeContext } from './change-state';

/** The change runbook's result, built the same way whichever way the run ends. */

export interface RunContext extends ChangeContext {
  gate: ApprovalGate;
}

/** A plan that passed the policy: the version it was shown as and the request it plans. */
export type Planned = { planned: PlannedChange; version: number; request: ChangeRequest };

/** How each result shows in `runbookProgress` and the step search attribute: a rollback means the change failed. */
const PROGRESS_OUTCOME = {
  applied: 'completed',
  unchanged: 'completed',
  refused: 'rejected',
  rejected: 'rejected',
  'rolled-back': 'failed',
} as const;

/** The run's result; pending steps are skipped with the reason, and no more merges are taken. */
export function end(
  context: RunContext,
  outcome: ChangeResult['outcome'],
  reason: string | undefined,
  checked?: Planned,
): ChangeResult {
  const { state, tracker, input, gate } = context;
  state.end(`the change ended ${outcome}${reason ? `: ${reason}` : ''}`);
  for (const step of tracker.steps) if (step.status === 'pending') tracker.skip(step.name, reason ?? outcome);
  tracker.finish(PROGRESS_OUTCOME[outcome]);
  const kind = checked?.request.kind ?? state.current?.kind ?? 'scale';
  const audit = gate.audit();
  const progress = tracker.snapshot();
  return {
    outcome,
    kind,
    clusterId: input.clusterId,
    clusterName: progress.clusterName,
    ...(reason ? { reason } : {}),
    requests: state.requests,
    ...(checked ? { plan: { ...checked.planned.plan, version: checked.version } } : {}),
    ...(audit ? { approval: audit } : {}),
    ...(checked && autoApproved(input, checked) ? { autoApproved: autoApproval(input, kind) } : {}),
    ...(input.earlier?.length ? { earlier: input.earlier } : {}),
    steps: progress.steps,
  };
}

/** Whether the policy lets this plan through without a person: the kind, and every path it changes. Pure. */
export function autoApproved(input: ChangeInput, checked: Planned): boolean {
  return personNeededFor(input, checked) === undefined;
}

/**
 * Why a person approves this plan although its kind may be auto-approved, or undefined. A plan
 * above the approval policy's `costDelta` always goes to the gate (inputs without the rule, such as
 * every run recorded before it, decide as before). Pure.
 */
export function personNeededFor(input: ChangeInput, checked: Planned): string | undefined {
  const paths = checked.planned.plan.changes.map((change) => change.path);
  const problem = autoApprovalProblem(input.policy, checked.request.kind, paths);
  if (problem) return problem;
  const { plan } = checked.planned;
  const cost = costRuleFor(plan, input.approval?.costDelta);
  if (!cost || !plan.cost) return undefined;
  return (
    `the change adds ${formatMoney(plan.cost.currency, plan.cost.monthlyDelta)} a month, above ` +
    `${formatMoney(plan.cost.currency, cost.above)} (costDelta of approval policy "${input.approval.name}")`
  );
}

export function autoApproval(input: ChangeInput, kind: ChangeRequest['kind']): string {
  return `auto-approved: policy "${input.policy.name}" lets ${kind} changes through without a person`;
}

/** One run in short, for the next run of the same id. */
export function outcomeOf(result: ChangeResult): ChangeOutcome {
  const { outcome, kind, reason, requests, verified } = result;
  return { outcome, kind, requests, ...(reason ? { reason } : {}), ...(verified ? { verified } : {}) };
}
