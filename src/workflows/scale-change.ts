import { ApplicationFailure } from '@temporalio/workflow';
import type { ClusterConfig } from '../activities';
import type { ClusterRequest } from '../cloud-manager/schemas/cluster';
import type { ApprovalPolicy, ChangePlan, GateOutcome } from '../shared/approval';
import type { LifecycleInput } from '../shared/runbook';
import { applySpecChanges, describeSpecChanges, type SpecChange } from '../shared/spec-changes';
import { changes, reads } from './activities';
import type { ApprovalGate } from './approval';
import type { RunbookTracker } from './progress';

/** The change as applied: what the cluster was, at which version, and the request that replaced it. */
export interface AppliedChange {
  before: ClusterConfig;
  beforeVersion: number;
  request: ClusterRequest;
}

/** A gated change either applied, or not applied because it was rejected or nobody approved in time. */
export type GatedChange =
  | { applied: AppliedChange }
  | { notApplied: { outcome: Extract<GateOutcome, 'rejected' | 'timed-out'>; reason: string } };

export interface GatedChangeOptions {
  clusterId: string;
  request: ClusterRequest;
  specChanges: SpecChange[];
  force: boolean;
  requester: string;
  reason?: string;
  policy: ApprovalPolicy;
  gate: ApprovalGate;
  tracker: RunbookTracker;
}

/**
 * Replaces the cluster's configuration if it is still at `expectedVersion` (checked again by the
 * activity): its configuration at that version with `specChanges`, so nothing else moves (a PUT of
 * the input spec would drop what the API filled in, such as `deepStorage.encrypt`).
 */
async function replaceAt(
  clusterId: string,
  request: ClusterRequest,
  specChanges: SpecChange[],
  before: ClusterConfig,
  expectedVersion: number,
  force: boolean,
): Promise<AppliedChange> {
  await changes.replaceCluster(clusterId, request, {
    expectedResourceVersion: expectedVersion,
    force,
    changes: specChanges,
  });
  return { before, beforeVersion: expectedVersion, request };
}

/** Without a gate: read the cluster, then replace its spec if unchanged since. */
export async function applyChange(
  clusterId: string,
  request: ClusterRequest,
  specChanges: SpecChange[],
  force: boolean,
): Promise<AppliedChange> {
  const { config, summary } = await reads.getClusterConfig(clusterId);
  return replaceAt(clusterId, request, specChanges, config, summary.resourceVersion, force);
}

function describePlan(plan: ChangePlan): string {
  const diff = plan.diffLines.length > 0 ? plan.diffLines.join('; ') : 'no field changes';
  return `plan v${plan.version} at resource version ${plan.resourceVersion}: ${diff}`;
}

/**
 * Plan → approve → apply. Just before applying it re-reads the cluster: if the resource version
 * moved since the plan, it plans again (version + 1) and asks again, so an approval never applies
 * to a state nobody saw.
 */
export async function approveAndApply(options: GatedChangeOptions): Promise<GatedChange> {
  const { clusterId, request, tracker, gate, policy } = options;
  for (let version = 1; ; version++) {
    const plan = await tracker.step(
      'plan',
      async () => ({
        ...(await reads.planChange(
          clusterId,
          request,
          options.requester,
          options.reason,
          options.specChanges,
        )),
        version,
      }),
      describePlan,
    );
    const outcome = await tracker.step(
      'approve',
      () => gate.decide(plan, policy),
      (result) => gate.describeOutcome(result, plan),
    );
    if (outcome === 'rejected' || outcome === 'timed-out') {
      return { notApplied: { outcome, reason: gate.closingReason() ?? outcome } };
    }
    const { config, summary } = await reads.getClusterConfig(clusterId);
    if (summary.resourceVersion === plan.resourceVersion) {
      const applied = await tracker.step(
        'scale',
        () => replaceAt(clusterId, request, options.specChanges, config, plan.resourceVersion, options.force),
        () => `${describeSpecChanges(options.specChanges)} (from resource version ${plan.resourceVersion})`,
      );
      return { applied };
    }
    tracker.detail(
      `${gate.describeOutcome(outcome, plan)}, but the cluster moved from resource version ` +
        `${plan.resourceVersion} to ${summary.resourceVersion} since: planning again`,
    );
  }
}

/** Refuses, before anything is created, a gated change that names nobody as its requester. */
export function checkApprovalInput(input: LifecycleInput): void {
  if (input.approval && input.scale.length > 0 && !input.requester?.trim()) {
    throw ApplicationFailure.create({
      type: 'InvalidRunbookInput',
      nonRetryable: true,
      message:
        'requester is required when the change needs approval: start the runbook with --as <user> or IMPLY_RUNBOOKS_USER',
    });
  }
}

/** Step 4: with a policy, plan → approve → apply (re-planning on drift); without one, apply. */
export async function scaleStep(
  clusterId: string,
  input: LifecycleInput,
  tracker: RunbookTracker,
  gate: ApprovalGate,
): Promise<GatedChange> {
  const request = applySpecChanges(input.cluster, input.scale);
  const force = input.force ?? false;
  if (!input.approval) {
    const applied = await tracker.step(
      'scale',
      () => applyChange(clusterId, request, input.scale, force),
      (change) => `${describeSpecChanges(input.scale)} (from resource version ${change.beforeVersion})`,
    );
    return { applied };
  }
  return approveAndApply({
    clusterId,
    request,
    specChanges: input.scale,
    force,
    requester: (input.requester as string).trim(),
    reason: input.reason,
    policy: input.approval,
    gate,
    tracker,
  });
}
