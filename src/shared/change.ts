import type { ApprovalAudit, ApprovalPolicy, ChangePlan } from './approval';
import { runbookAttributes } from './power';
import type { StepProgress, WaitOptions } from './steps';
import type { SpecChange } from './spec-changes';
import { changeWorkflowId } from './runbook-ids';

/**
 * The change runbooks' shared vocabulary (scale, upgrade, restore, delete): what a trigger asks,
 * the policy it is checked against, and what the runbook answers. Plain types: workflows import it.
 */

/**
 * `scale` changes only replicas and instance types of node groups; `update` any other field (never
 * auto-approved unless a policy lists the kind and its exact paths, and never for security-relevant
 * ones); `upgrade` the version; `restore` puts back a past configuration; `delete` removes the cluster.
 */
export const CHANGE_KINDS = ['scale', 'update', 'upgrade', 'restore', 'delete'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One trigger: a person on the CLI, an HTTP caller or an Alertmanager alert. */
export interface ChangeRequest {
  kind: ChangeKind;
  /** scale: the fields to set (`spec.data.tier1.replicas`=4); upgrade: `spec.version`. */
  changes?: SpecChange[];
  /** restore: the resource version whose configuration to put back. */
  toVersion?: number;
  /** Who asked: they cannot approve it (four eyes). */
  requester: string;
  /** Who else asked, when later triggers merged into this request: they cannot approve it either. */
  coRequesters?: string[];
  reason?: string;
  /** `cli`, `http` or `alertmanager`: for the record. */
  source: string;
}

/** The bounds of one node group (`master`, `query`, `data.tier1`…). */
export interface NodeGroupBounds {
  minReplicas?: number;
  maxReplicas?: number;
  instanceTypes?: string[];
}

/** The change policy of a cluster, resolved from the configuration's `policies` by tag or name. */
export interface ChangePolicy {
  /** The policy's name (`policies[0]` when it has none), or `default` when none matched. */
  name: string;
  bounds: Record<string, NodeGroupBounds>;
  /** No scale or upgrade this soon after the last applied change; 0: none. */
  cooldownMs: number;
  /** Kinds of change that need no approval (an `update` only for the paths below). */
  autoApprove: ChangeKind[];
  /** The exact paths an `update` may change without a person (never security-relevant ones). */
  autoApproveUpdates?: string[];
  /** Send the PUT with `force=true`. */
  force: boolean;
  /** Refuse to delete the cluster. */
  protected: boolean;
}

/** What applies when no policy matches: no bounds, no cooldown, every change approved by a person. */
export const DEFAULT_CHANGE_POLICY: ChangePolicy = Object.freeze({
  name: 'default',
  bounds: {},
  cooldownMs: 0,
  autoApprove: [],
  force: false,
  protected: false,
}) as ChangePolicy;

/** A tag that protects a cluster from deletion whatever its policy says. */
export const PROTECTION_TAG = { name: 'imply-runbooks/protected', value: 'true' } as const;

/** The last change a change runbook applied to a cluster, as its memo records it. */
export interface LastChange {
  appliedAt: string;
  runbookId: string;
}

/** The memo key a change runbook sets when it applies a change; the cooldown reads it back. */
export const LAST_CHANGE_MEMO = 'lastChange';

/** Input of `changeRunbook`: one runbook per cluster (workflow id `change:<uid>`). */
export interface ChangeInput {
  clusterId: string;
  clusterName: string;
  policy: ChangePolicy;
  /** Who approves when the policy does not auto-approve the kind. */
  approval: ApprovalPolicy;
  wait?: WaitOptions;
  /** The first request, for callers that start without the update; triggers send `mergeChange`. */
  request?: ChangeRequest;
  /** Requests that waited for the previous run (carried over by continue-as-new). */
  queued?: ChangeRequest[];
  /** How often a failed rollback pages again while it waits for a person; default 4h. */
  rollbackReminderMs?: number;
  /** The last change applied by an earlier run of this id (carried over: visibility may lag). */
  lastChange?: LastChange;
  /** What the earlier runs of this id did, newest last (carried over by continue-as-new). */
  earlier?: ChangeOutcome[];
}

/** What a trigger is told: a new runbook, merged into the pending plan, or queued behind a running change. */
export interface ChangeAck {
  runbookId: string;
  /** `superseded`: merged, then overtaken by a later request for the same field before it was planned. */
  disposition: 'started' | 'merged' | 'queued' | 'superseded';
  /** The plan version that holds the request (started or merged). */
  planVersion?: number;
  /** True when the plan waits for a person's approval. */
  needsApproval?: boolean;
  message: string;
}

/** A person's answer to a rollback that failed: try it again, or leave the cluster as it is. */
export interface RollbackDecision {
  decision: 'retry' | 'abandon';
  decider: string;
  comment?: string;
}

export interface RollbackRecord {
  reason: string;
  /** The resource version whose configuration was put back. */
  restoredVersion: number;
  attempts: number;
  verified?: { before: number; after: number };
  decisions: RollbackDecision[];
}

export interface ChangeResult {
  /**
   * `applied`: verified; `unchanged`: nothing to change; `refused`: policy or API said no;
   * `rejected`: an approver said no or nobody decided in time; `rolled-back`: undone, with the reason.
   */
  outcome: 'applied' | 'unchanged' | 'refused' | 'rejected' | 'rolled-back';
  kind: ChangeKind;
  clusterId: string;
  clusterName: string;
  reason?: string;
  requests: ChangeRequest[];
  plan?: ChangePlan;
  verified?: { before: number; after: number };
  rollback?: RollbackRecord;
  approval?: ApprovalAudit;
  /** Why no person had to approve, when the policy auto-approves the kind. */
  autoApproved?: string;
  /** What the earlier runs of this runbook id did (changes that were queued behind one another). */
  earlier?: ChangeOutcome[];
  steps: StepProgress[];
}

/** One run's result in short, carried into the next run when requests were queued. */
export type ChangeOutcome = Pick<ChangeResult, 'outcome' | 'kind' | 'reason' | 'requests' | 'verified'>;

/** What `changeState` answers: where the change is, for triggers and people. */
export interface ChangeStateView {
  phase: 'waiting' | 'planning' | 'approval' | 'applying' | 'rollback' | 'needs-person' | 'done';
  current?: ChangeRequest[];
  planVersion: number;
  queued: ChangeRequest[];
  /** Set while a failed rollback waits for `rollbackDecision`. */
  rollbackProblem?: string;
}

/** What the runbook pages out: a failed rollback (and reminders while it waits), or its end. */
export interface ChangeEvent {
  kind: 'rollback-failed' | 'rollback-reminder' | 'rolled-back';
  runbookId: string;
  clusterId: string;
  clusterName: string;
  message: string;
}

/** Failure types of the change runbook, for callers that match on them. */
export const CHANGE_REFUSED = 'ChangeRefused';
export const ROLLBACK_ABANDONED = 'RollbackAbandoned';

/** The details of a refusal: which rule, and when to try again for a cooldown. */
export interface RefusalDetails {
  rule: 'bounds' | 'instance-type' | 'cooldown' | 'protected' | 'request' | 'api' | 'runbook';
  retryAfterMs?: number;
}

/**
 * How every trigger starts (or reaches) the change runbook of one cluster with update-with-start:
 * the same id as the power runbook, so a change and a stop or start never overlap.
 */
export function changeStartOptions(input: ChangeInput, taskQueue: string) {
  return {
    workflowId: changeWorkflowId(input.clusterId),
    taskQueue,
    args: [input] as [ChangeInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    typedSearchAttributes: runbookAttributes('change', input.clusterId, input.clusterName),
  };
}
