import { executeChild, getExternalWorkflowHandle, startChild, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FleetCluster } from '../activities/fleet';
import type { ChangeInput, ChangeRequest, ChangeResult } from '../shared/change';
import { runbookAttributes, type FleetInput } from '../shared/power';
import { changeWorkflowId, shrinkRecordWorkflowId } from '../shared/runbook-ids';
import { restoreChangesOf, SHRINK_RECORD_TTL_MS, type ShrinkRecord } from '../shared/shrink';
import { describeSpecChanges, type SpecChange } from '../shared/spec-changes';
import { reads } from './activities';
import { changeRunbook } from './change';
import { clusterChildOptions } from './cluster-child';
import { shrinkRestoredSignal, shrinkRecord } from './shrink-record';

/** How one cluster of a fleet run ended: done, skipped with why, or failed with why. */
export type ClusterOutcome =
  { outcome: 'done'; detail?: string } | { outcome: 'skipped' | 'failed'; reason: string };

/**
 * The night half of a shrink schedule for one cluster: a scale to the schedule's values through the
 * cluster's change runbook (its policy: bounds, approval or auto-approval, verification, rollback),
 * then a `shrunk:<schedule>:<uid>` record of what it had. A protected cluster is left alone. Throws
 * WorkflowExecutionAlreadyStartedError while another change holds `change:<uid>` (the fleet retries).
 */
export async function shrinkCluster(input: FleetInput, cluster: FleetCluster): Promise<ClusterOutcome> {
  const scheduleName = scheduleOf(input);
  const changes = input.shrink ?? [];
  const target = await reads.shrinkTarget(cluster.id);
  if (target.protection) {
    return { outcome: 'skipped', reason: `protected (${target.protection}): a schedule does not shrink it` };
  }
  const result = await runChange(input, cluster, target.input, {
    changes,
    reason: `schedule ${scheduleName}: shrink for the night (${describeSpecChanges(changes)})`,
  });
  if (result.outcome === 'applied' && result.plan) {
    const restore = restoreChangesOf(result.plan);
    const kept = await remember(input, cluster, changes, restore);
    return {
      outcome: 'done',
      detail: kept
        ? `shrunk; to restore: ${describeSpecChanges(restore)}`
        : 'shrunk; the values of an earlier shrink stay remembered',
    };
  }
  if (result.outcome === 'unchanged') {
    return { outcome: 'skipped', reason: `already at ${describeSpecChanges(changes)}: nothing to shrink` };
  }
  return changeNotDone(result);
}

/**
 * The morning half for one cluster: the values its record remembered, put back through the change
 * runbook, then the record ended. A cluster with no record (never shrunk by this schedule, or
 * restored already) is skipped; a restore that is rejected or refused keeps the record for the next.
 */
export async function restoreCluster(input: FleetInput, cluster: FleetCluster): Promise<ClusterOutcome> {
  const scheduleName = scheduleOf(input);
  const record = await reads.readShrinkRecord(scheduleName, cluster.id);
  if (!record) {
    return { outcome: 'skipped', reason: `nothing to restore: not shrunk by schedule ${scheduleName}` };
  }
  if (record.restore.length === 0) {
    await ended(record, 'nothing to put back');
    return { outcome: 'skipped', reason: 'the shrink remembered no value to put back' };
  }
  const target = await reads.shrinkTarget(cluster.id);
  const result = await runChange(input, cluster, target.input, {
    changes: record.restore,
    reason: `schedule ${scheduleName}: restore what it shrank at ${record.shrunkAt} (${describeSpecChanges(record.restore)})`,
  });
  if (result.outcome === 'applied' || result.outcome === 'unchanged') {
    await ended(record, changeWorkflowId(cluster.id));
    const what = describeSpecChanges(record.restore);
    return {
      outcome: 'done',
      detail: result.outcome === 'applied' ? `restored ${what}` : `already at ${what}`,
    };
  }
  return changeNotDone(result);
}

async function runChange(
  input: FleetInput,
  cluster: FleetCluster,
  changeInput: ChangeInput,
  what: { changes: SpecChange[]; reason: string },
): Promise<ChangeResult> {
  const request: ChangeRequest = {
    kind: 'scale',
    changes: what.changes,
    requester: input.requester,
    reason: what.reason,
    source: 'schedule',
  };
  return executeChild(changeRunbook, {
    ...clusterChildOptions(cluster.id, 'change', cluster.name),
    args: [{ ...changeInput, request, ...(input.wait ? { wait: input.wait } : {}) }],
  });
}

/** Starts the record; false when one runs already (a second shrink before a restore keeps the first values). */
async function remember(
  input: FleetInput,
  cluster: FleetCluster,
  shrunk: SpecChange[],
  restore: SpecChange[],
): Promise<boolean> {
  const scheduleName = scheduleOf(input);
  const now = Date.now();
  const record: ShrinkRecord = {
    scheduleName,
    clusterId: cluster.id,
    clusterName: cluster.name,
    shrunk,
    restore,
    shrunkAt: new Date(now).toISOString(),
    changeRunbook: { workflowId: changeWorkflowId(cluster.id) },
    expiresAt: new Date(now + SHRINK_RECORD_TTL_MS).toISOString(),
  };
  try {
    await startChild(shrinkRecord, {
      workflowId: shrinkRecordWorkflowId(scheduleName, cluster.id),
      args: [record],
      // The record outlives this run: it ends at the restore.
      parentClosePolicy: 'ABANDON',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: runbookAttributes('shrink-record', cluster.id, cluster.name),
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

async function ended(record: ShrinkRecord, by: string): Promise<void> {
  await getExternalWorkflowHandle(shrinkRecordWorkflowId(record.scheduleName, record.clusterId)).signal(
    shrinkRestoredSignal,
    { changeRunbook: by },
  );
}

/** A change that did not land: refused by policy or rejected (skipped, with why), rolled back (failed). */
function changeNotDone(result: ChangeResult): ClusterOutcome {
  const why = result.reason ?? result.outcome;
  if (result.outcome === 'rolled-back') return { outcome: 'failed', reason: `rolled back: ${why}` };
  return { outcome: 'skipped', reason: `${result.outcome}: ${why}` };
}

function scheduleOf(input: FleetInput): string {
  return input.scheduleName ?? `manual-${workflowInfo().workflowId}`;
}
