import { DEFAULT_CHANGE_POLICY, type ChangeKind, type ChangePolicy, type ChangeRequest } from './change';
import {
  boundsProblems,
  isSecurityPath,
  protectedProblem,
  requestProblem,
  SCALE_PATH,
} from './change-policy';
import { tagsOf } from './cluster-tags';
import type { LifecycleInput } from './runbook';
import { applySpecChanges } from './spec-changes';

/**
 * How the lifecycle runbook turns its steps into the change pipeline's requests and policies: its
 * scale is a `scale` (or, when it renames or sets other fields, an `update`) change on
 * `change:<uid>`, its delete a `delete` change. Pure: the workflow and the CLI use the same answers,
 * the CLI to refuse bad input before anything starts, the workflow before it creates anything.
 */

/** Who asks when an older input named nobody (only possible without an approval gate). */
const UNNAMED_REQUESTER = 'lifecycle';

/** `scale` when every path is a replica count or instance type, `update` otherwise. Pure. */
export function lifecycleScaleKind(input: LifecycleInput): Extract<ChangeKind, 'scale' | 'update'> {
  return input.scale.every((change) => SCALE_PATH.test(change.path)) ? 'scale' : 'update';
}

/** The change request the lifecycle's scale step sends. Pure. */
export function lifecycleScaleRequest(input: LifecycleInput): ChangeRequest {
  return withReason(input, {
    kind: lifecycleScaleKind(input),
    changes: input.scale,
    requester: requesterOf(input),
    source: 'lifecycle',
  });
}

/** The change request the lifecycle's delete step sends. Pure. */
export function lifecycleDeleteRequest(input: LifecycleInput): ChangeRequest {
  return withReason(input, { kind: 'delete', requester: requesterOf(input), source: 'lifecycle' });
}

function requesterOf(input: LifecycleInput): string {
  return input.requester?.trim() || UNNAMED_REQUESTER;
}

function withReason(input: LifecycleInput, request: ChangeRequest): ChangeRequest {
  return input.reason ? { ...request, reason: input.reason } : request;
}

function basePolicy(input: LifecycleInput): ChangePolicy {
  const policy = input.policy ?? DEFAULT_CHANGE_POLICY;
  return { ...policy, force: (input.force ?? false) || policy.force };
}

/**
 * The policy of the scale change: the cluster's bounds, cooldown and force as resolved. With an
 * approval gate nothing is auto-approved by kind (the gate decides, its own small-scale rule
 * included); without one (`--no-approval`, test clusters) the scale and the exact paths it sets go
 * through without a person, except security-relevant paths, which `lifecycleInputProblem` refuses.
 */
export function lifecycleScalePolicy(input: LifecycleInput): ChangePolicy {
  const policy = basePolicy(input);
  if (input.approval) return { ...policy, autoApprove: [], autoApproveUpdates: [] };
  const paths = input.scale.map((change) => change.path);
  return { ...policy, autoApprove: ['scale', 'update'], autoApproveUpdates: paths };
}

/** The policy of the delete change: asked for when the runbook was started, so no second approval. */
export function lifecycleDeletePolicy(input: LifecycleInput): ChangePolicy {
  return { ...basePolicy(input), autoApprove: ['delete'] };
}

/**
 * Why this input cannot run, naming the field and the fix, or undefined. Checked before anything is
 * created, so a bad scale or a protected delete never leaves a half-made cluster behind. Pure.
 */
export function lifecycleInputProblem(input: LifecycleInput): string | undefined {
  if (input.approval && input.scale.length > 0 && !input.requester?.trim()) {
    return 'requester is required when the change needs approval: start the runbook with --as <user> or IMPLY_RUNBOOKS_USER';
  }
  if (input.scale.length > 0) {
    const request = lifecycleScaleRequest(input);
    const problem = requestProblem(request);
    if (problem) return `--scale ${problem}`;
    const security = input.scale.find((change) => isSecurityPath(change.path));
    if (security && !input.approval) {
      return (
        `--scale ${security.path} is security-relevant: a person approves every change to it, ` +
        'so it cannot run with --no-approval; drop --no-approval or set it in the spec instead'
      );
    }
    const bounds = boundsProblems(
      basePolicy(input),
      input.cluster,
      applySpecChanges(input.cluster, input.scale),
    );
    if (bounds[0]) return `--scale: ${bounds[0].message}`;
  }
  if (input.delete) {
    const refusal = protectedProblem(basePolicy(input), tagsOf(input.cluster));
    if (refusal) return `--delete: ${refusal.message}; drop --delete, or use another policy`;
  }
  return undefined;
}
