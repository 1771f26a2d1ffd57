import type { ChangePlan } from './approval';
import { describeSpecChanges, type SpecChange } from './spec-changes';

/**
 * Shrink schedules: at the night slot a scale down to fixed values (`data.tier1.replicas=1`), at the
 * morning slot a scale back to what each cluster had. Both go through the cluster's change runbook;
 * what to put back is remembered per schedule and cluster in a `shrunk:<schedule>:<uid>` record.
 * Pure, importable from workflows.
 */

/** Which half of a shrink schedule a fleet run is: the night's shrink or the morning's restore. */
export type ShrinkMode = 'shrink' | 'restore';

/** What a shrink remembered about one cluster (the record workflow's input, its query's answer). */
export interface ShrinkRecord {
  scheduleName: string;
  clusterId: string;
  clusterName: string;
  /** The values the shrink set. */
  shrunk: SpecChange[];
  /** The values the cluster had before: what the restore sets. */
  restore: SpecChange[];
  shrunkAt: string;
  /** The change runbook that shrank it (`change:<uid>`, its run id). */
  changeRunbook: { workflowId: string; runId?: string };
  /** After this the record ends unrestored (a schedule deleted overnight leaves nothing forever). */
  expiresAt: string;
}

/** How long a record waits for its restore at most: a long weekend and a holiday week fit. */
export const SHRINK_RECORD_TTL_MS = 14 * 86_400_000;

/** The fleet run's mode of a schedule slot: a shrink schedule's stop slot shrinks, its start slot restores. Pure. */
export function shrinkModeOf(action: 'stop' | 'start'): ShrinkMode {
  return action === 'stop' ? 'shrink' : 'restore';
}

/**
 * What to set to undo a plan: each changed field's value before it. A field the plan added (it had
 * no value) cannot be put back by a scale and is left out. Pure.
 */
export function restoreChangesOf(plan: Pick<ChangePlan, 'changes'>): SpecChange[] {
  return plan.changes
    .filter((change) => change.kind === 'changed' && isScalar(change.before))
    .map((change) => ({ path: change.path, value: change.before as SpecChange['value'] }));
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** `shrink data.tier1.replicas=1 (restored at the start slot)`: for list, describe and summaries. Pure. */
export function describeShrink(changes: readonly SpecChange[]): string {
  return `shrink ${describeSpecChanges(changes)} at the stop slot, restore at the start slot`;
}

/** The record workflow's query (what it remembers) and signal (restored: end now), by name. */
export const SHRINK_RECORD_QUERY = 'shrinkRecord';
export const SHRINK_RESTORED_SIGNAL = 'shrinkRestored';

/** How a record ended: restored by the schedule's start slot, or expired unrestored. */
export interface ShrinkRecordEnd extends ShrinkRecord {
  ended: 'restored' | 'expired';
  endedAt: string;
  /** The change runbook that put the values back. */
  restoredBy?: string;
}

/**
 * The node groups a cluster runs on once shrunk: each `spec.<group>.replicas` or
 * `spec.<group>.instanceType` of the shrink applied to the group of that name. Pure.
 */
export function shrunkNodes<Node extends { group: string; instanceType: string; replicas: number }>(
  nodes: readonly Node[],
  changes: readonly SpecChange[],
): Node[] {
  return nodes.map((node) => {
    const shrunk = { ...node };
    for (const change of changes) {
      const match = /^spec\.(.+)\.(replicas|instanceType)$/.exec(change.path);
      if (!match || match[1] !== node.group) continue;
      if (match[2] === 'replicas' && typeof change.value === 'number') shrunk.replicas = change.value;
      if (match[2] === 'instanceType' && typeof change.value === 'string') shrunk.instanceType = change.value;
    }
    return shrunk;
  });
}
