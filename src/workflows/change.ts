import {
  CancellationScope,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { PlannedChange } from '../activities';
import type { GateOutcome } from '../shared/approval';
import { costSummary } from '../shared/cost';
import type { ChangeInput, ChangeRequest, ChangeResult } from '../shared/change';
import { boundsProblems, cooldownProblem, protectedProblem, type Refusal } from '../shared/change-policy';
import { changes, reads } from './activities';
import { ApprovalGate } from './approval';
import { applyAndVerify, applyDelete } from './change-apply';
import {
  autoApproval,
  end,
  outcomeOf,
  personNeededFor,
  type Planned,
  type RunContext as Context,
} from './change-result';
import { failureText } from './failures';
import { ChangeState } from './change-state';
import { RunbookTracker, runbookProgressQuery } from './progress';

export const CHANGE_STEPS = [
  { name: 'plan', title: 'Plan the change (dryRun diff)' },
  { name: 'policy', title: 'Check the policy' },
  { name: 'approve', title: 'Approve the change' },
  { name: 'apply', title: 'Apply the change (PUT, or DELETE)' },
  { name: 'wait', title: 'Wait until RUNNING (or gone)' },
  { name: 'verify', title: 'Verify the change' },
  { name: 'rollback', title: 'Roll back if verification fails or the change is cancelled' },
];

/** Started by update-with-start, the request follows at once; without one the run ends quietly. */
const FIRST_REQUEST_TIMEOUT_MS = 60_000;
/** A change re-planned this often (merges, refused merges, drift) ends refused instead. */
export const MAX_PLAN_VERSIONS = 25;
const REPLAN_BACKOFF_PATCH = 'change-replan-budget';
const EARLIER_KEPT = 10;

type Step<T> = T | { result: ChangeResult };

/**
 * One pipeline for scale, upgrade, restore and delete of one cluster (workflow id `change:<uid>`):
 * plan with a dryRun → policy → approval when the policy wants one → drift check → PUT → wait until
 * RUNNING → verify; on FAILED, a timeout or a mismatch, put the previous version back and verify
 * that. A rollback that fails pages out and waits for a person (`rollbackDecision`). Triggers reach
 * it through `mergeChange`: merged while the plan waits for approval, queued once past it.
 */
export async function changeRunbook(input: ChangeInput): Promise<ChangeResult> {
  const runbookId = workflowInfo().workflowId;
  const state = new ChangeState(runbookId, input);
  state.install();
  const tracker = new RunbookTracker('change', input.clusterName, CHANGE_STEPS);
  tracker.cluster({ clusterId: input.clusterId });
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  const gate = new ApprovalGate(runbookId, (detail) => tracker.detail(detail));
  gate.install();
  const context: Context = { input, state, tracker, runbookId, gate };
  let result: ChangeResult;
  try {
    const first = await state.first(FIRST_REQUEST_TIMEOUT_MS);
    result = first ? await runChange(context) : end(context, 'unchanged', 'no change was requested');
  } catch (error) {
    state.end(isCancellation(error) ? 'it was cancelled' : `it failed: ${failureText(error)}`);
    tracker.finish(isCancellation(error) ? 'cancelled' : 'failed');
    throw error;
  }
  await gate.finish();
  if (state.queued.length > 0) {
    const earlier = [...(input.earlier ?? []), outcomeOf(result)].slice(-EARLIER_KEPT);
    const lastChange = state.lastApplied ?? input.lastChange;
    const next: ChangeInput = { ...input, request: undefined, queued: state.queued, earlier };
    if (lastChange) next.lastChange = lastChange;
    await continueAsNew<typeof changeRunbook>(next);
  }
  return result;
}

async function runChange(context: Context): Promise<ChangeResult> {
  const { state } = context;
  for (;;) {
    const budget = await replanBudget(context);
    if (budget) return budget.result;
    const checked = await planAndCheck(context);
    if (checked === 'replan') continue;
    if ('result' in checked) return checked.result;
    if (state.replanRequested) continue;
    if (checked.planned.plan.changes.length === 0) {
      return end(context, 'unchanged', 'the cluster already has this configuration', checked);
    }
    const approval = await approve(context, checked);
    if (approval === 'replan') continue;
    if (typeof approval === 'object') return approval.result;
    state.phase = 'applying';
    const { summary } = await reads.getClusterConfig(context.input.clusterId);
    if (summary.resourceVersion !== checked.planned.plan.resourceVersion) {
      context.tracker.detail(
        `the cluster moved from resource version ${checked.planned.plan.resourceVersion} to ` +
          `${summary.resourceVersion} since plan v${checked.version}: planning again`,
      );
      state.replanRequested = true;
      continue;
    }
    return applyChecked(context, checked);
  }
}

/**
 * Re-planning is bounded: from the fourth plan version on, the runbook waits before planning again
 * (2 s doubling to 1 min, so a storm of triggers merges into one plan), and past MAX_PLAN_VERSIONS
 * it ends refused rather than grow its history without end. Runs recorded before the wait replay
 * as they ran (`patched`).
 */
async function replanBudget(context: Context): Promise<{ result: ChangeResult } | undefined> {
  const versions = context.state.planVersion;
  if (versions >= MAX_PLAN_VERSIONS) {
    const message =
      `re-planned ${versions} times: the request kept changing under it; nothing was applied. ` +
      'Send one settled request (the last trigger of a storm) to plan it again';
    return { result: end(context, 'refused', message) };
  }
  if (versions >= 3 && patched(REPLAN_BACKOFF_PATCH)) {
    const delayMs = Math.min(2_000 * 2 ** (versions - 3), 60_000);
    context.tracker.detail(`plan v${versions + 1} in ${delayMs / 1000}s: waiting for the requests to settle`);
    await sleep(delayMs);
  }
  return undefined;
}

/** Plan v+1 with a dryRun, then the policy; answers the triggers waiting on this version. */
async function planAndCheck(context: Context): Promise<Step<Planned> | 'replan'> {
  const { state, tracker, input } = context;
  const { version, request } = state.startPlan();
  let refusal: Refusal | undefined;
  let planned: PlannedChange | undefined;
  try {
    planned = await tracker.step(
      'plan',
      () => changes.planClusterChange(input.clusterId, request),
      (result) => `plan v${version} at resource version ${result.plan.resourceVersion}: ${summary(result)}`,
    );
    // Everyone whose trigger merged into this request is a requester too: none of them may approve it.
    if (request.coRequesters?.length) planned.plan.coRequesters = [...request.coRequesters];
    tracker.cluster({ clusterName: planned.plan.clusterName, resourceVersion: planned.plan.resourceVersion });
  } catch (error) {
    if (isCancellation(error)) throw error;
    refusal = { rule: 'api', message: `the change cannot be made: ${failureText(error)}` };
  }
  if (planned) {
    const checked = planned;
    refusal = await tracker.step(
      'policy',
      () => checkPolicy(context, request, checked),
      (found) => (found ? `refused: ${found.message}` : `within policy "${input.policy.name}"`),
    );
  }
  const personNeeded = planned
    ? personNeededFor(input, { planned, version, request })
    : 'the change could not be planned';
  const needsApproval = personNeeded !== undefined;
  const kindAutoApproved = input.policy.autoApprove.includes(request.kind);
  const message = !needsApproval
    ? `plan v${version} is auto-approved by policy "${input.policy.name}"`
    : `plan v${version} waits for approval (${input.approval.stage.groups.join(', ')})` +
      (kindAutoApproved ? `: ${personNeeded}` : '');
  state.settle(version, { refusal, message, needsApproval });
  if (!refusal) return { planned: planned!, version, request };
  if (state.revert()) {
    tracker.detail(
      `the merged request was refused (${refusal.message}): back to the one approved for planning`,
    );
    return 'replan';
  }
  return { result: end(context, 'refused', refusal.message, planned && { planned, version, request }) };
}

async function checkPolicy(
  context: Context,
  request: ChangeRequest,
  planned: PlannedChange,
): Promise<Refusal | undefined> {
  const { policy, clusterId, lastChange } = context.input;
  if (request.kind === 'delete') return protectedProblem(policy, planned.tags);
  const bounds = boundsProblems(policy, planned.before, planned.request)[0];
  if (bounds || policy.cooldownMs <= 0 || request.kind === 'restore') return bounds;
  const recorded = await reads.lastAppliedChange(clusterId);
  const last = [recorded, lastChange]
    .filter((entry) => entry !== undefined)
    .sort(byAppliedAt)
    .at(-1);
  return cooldownProblem(policy, request.kind, last, Date.now());
}

/** Auto-approved by the policy, or the gate's decision; `replan` when a merge superseded the plan. */
async function approve(context: Context, checked: Planned): Promise<Step<'approved' | 'replan'>> {
  const { state, tracker, gate, input } = context;
  const kind = checked.request.kind;
  const personNeeded = personNeededFor(input, checked);
  if (personNeeded === undefined) {
    await tracker.step(
      'approve',
      async () => undefined,
      () => autoApproval(input, kind),
    );
    return 'approved';
  }
  state.phase = 'approval';
  if (input.policy.autoApprove.includes(kind)) tracker.detail(`a person approves: ${personNeeded}`);
  const plan = { ...checked.planned.plan, version: checked.version };
  const scope = new CancellationScope();
  state.whileApproving(() => scope.cancel());
  let outcome: GateOutcome;
  try {
    outcome = await tracker.step(
      'approve',
      () => scope.run(() => gate.decide(plan, input.approval)),
      (decided) => gate.describeOutcome(decided, plan),
    );
  } catch (error) {
    if (state.replanRequested && isCancellation(error)) return 'replan';
    throw error;
  } finally {
    state.whileApproving(undefined);
  }
  if (state.replanRequested) return 'replan';
  if (outcome === 'rejected' || outcome === 'timed-out') {
    return { result: end(context, 'rejected', `${outcome}: ${gate.closingReason() ?? outcome}`, checked) };
  }
  return 'approved';
}

async function applyChecked(context: Context, checked: Planned): Promise<ChangeResult> {
  const kind = checked.request.kind;
  if (kind === 'delete') {
    await applyDelete(context, checked.planned);
    return end(context, 'applied', undefined, checked);
  }
  const { verified, rollback } = await applyAndVerify(context, checked.planned, kind);
  if (rollback) return { ...end(context, 'rolled-back', rollback.reason, checked), rollback };
  return { ...end(context, 'applied', undefined, checked), ...(verified ? { verified } : {}) };
}

function summary(planned: PlannedChange): string {
  const diff = planned.plan.diffLines.length > 0 ? planned.plan.diffLines.join('; ') : 'no field changes';
  // Only the step's detail (a query answer, no command): plans without a cost read as before.
  const cost = planned.plan.cost && costSummary(planned.plan.cost);
  return cost ? `${diff}; monthly cost ${cost}` : diff;
}

function byAppliedAt(left: { appliedAt: string }, right: { appliedAt: string }): number {
  return left.appliedAt.localeCompare(right.appliedAt);
}
