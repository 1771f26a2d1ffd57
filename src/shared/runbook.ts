import { SEARCH_ATTRIBUTES } from './search-attributes';
import { lifecycleWorkflowId } from './runbook-ids';

import { DEFAULT_ENVIRONMENT, withEnvironmentMemo } from './environments';
import type { ClusterRequest } from '../cloud-manager/schemas/cluster';
import type { ApprovalAudit, ApprovalPolicy } from './approval';
import type { ChangePolicy, ChangeResult } from './change';
import type { SpecChange } from './spec-changes';

/** What a cancelled runbook does to the cluster it created. */
export type CleanupPolicy = 'keep' | 'stop' | 'delete';

export type { RunbookProgress, StepProgress, StepStatus, WaitOptions } from './steps';
import type { StepProgress, WaitOptions } from './steps';

export interface LifecycleInput {
  /** The cluster to create, already validated against the strict request schema. */
  cluster: ClusterRequest;
  /** Step 4: the fields to change (replicas, instance types, name). Empty: the step is skipped. */
  scale: SpecChange[];
  /** Send the PUT with `force=true` (apply even when the change needs a disruptive restart). */
  force?: boolean;
  /** Step 7: when to stop. Absent: the step is skipped. */
  stop?: { at?: string; afterMs?: number };
  /** Step 8: delete, optionally after a retention period. Absent: the cluster is kept. */
  delete?: { afterMs?: number };
  /** What cancelling the runbook does to the cluster it created. Default: keep. */
  onCancel?: CleanupPolicy;
  wait?: WaitOptions;
  /**
   * Who asked for the change (`--as`, IMPLY_RUNBOOKS_USER or the OS user): the approval gate refuses
   * to let them approve it. Needed whenever `approval` is set.
   */
  requester?: string;
  /** Why, in the requester's words: shown to approvers. */
  reason?: string;
  /** The scale step waits for approval under this policy. Absent: no gate (test clusters). */
  approval?: ApprovalPolicy;
  /**
   * The cluster's change policy (bounds, cooldown, force, protection), resolved by the CLI from the
   * configuration by name and tags. The scale and the delete run as change runbooks under it.
   * Absent: no bounds, not protected.
   */
  policy?: ChangePolicy;
}

export interface LifecycleResult {
  /** `rejected`: the scale change was rejected or timed out; nothing was applied and later steps were skipped. */
  outcome: 'completed' | 'rejected';
  /** Why the change was not applied (with `rejected`): the rejecter and their comment, or the timeout. */
  reason?: string;
  /** Every plan and decision of the approval gate, when the runbook had one. */
  approval?: ApprovalAudit;
  clusterId: string;
  clusterName: string;
  /** The resource version after the scale step (the one verified), and the version it replaced. */
  verifiedVersion?: { before: number; after: number };
  /** The change runbook that made the scale (`change:<uid>`) and how it ended. */
  scaleChange?: { runbookId: string; outcome: ChangeResult['outcome']; reason?: string };
  finalState: 'RUNNING' | 'STOPPED' | 'DELETED';
  steps: StepProgress[];
}

/**
 * How every caller (CLI, demo, tests) starts a lifecycle runbook: one runbook per cluster name at a
 * time (a second start while one runs is refused), a new one allowed once the previous has ended.
 */
export function lifecycleStartOptions(
  input: LifecycleInput,
  taskQueue: string,
  environment: string = DEFAULT_ENVIRONMENT,
) {
  return withEnvironmentMemo(lifecycleOptions(input, taskQueue, environment), environment);
}

function lifecycleOptions(input: LifecycleInput, taskQueue: string, environment: string) {
  return {
    workflowId: lifecycleWorkflowId(input.cluster.metadata.name, environment),
    taskQueue,
    args: [input] as [LifecycleInput],
    workflowIdConflictPolicy: 'FAIL' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    // Who asked, for the operations page's runbooks view (visibility does not show the input).
    ...(input.requester ? { memo: { requester: input.requester } } : {}),
    // Set at start too, so the runbook is found by cluster name before its first workflow task runs.
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.kind, value: 'lifecycle' },
      { key: SEARCH_ATTRIBUTES.clusterName, value: input.cluster.metadata.name },
    ],
  };
}
