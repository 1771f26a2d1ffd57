import { setHandler, workflowInfo } from '@temporalio/workflow';
import type { DriftInput, DriftResult } from '../shared/drift';
import { changes, reads } from './activities';
import { RunbookTracker, runbookProgressQuery } from './progress';

/**
 * One drift check of a folder of cluster specs (`imply-runbooks drift schedule` runs it on a Temporal
 * Schedule): plan the folder against the account, and when anything differs tell the webhooks and,
 * with `mode: open`, open each drifted cluster's change for approval. Its result is the record.
 * A drift someone fixes by hand before the change is approved is found again by the change runbook's
 * re-plan before its PUT, which then has nothing to apply.
 */
export async function driftCheck(input: DriftInput): Promise<DriftResult> {
  const open = input.mode === 'open';
  const tracker = new RunbookTracker('drift', input.owner ?? input.folder, [
    { name: 'plan', title: `Compare ${input.folder} with the account` },
    { name: 'report', title: 'Tell the webhooks about drift' },
    ...(open ? [{ name: 'open', title: 'Open a change for each drifted cluster' }] : []),
  ]);
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  const { workflowId } = workflowInfo();
  const { report, entries } = await tracker.step(
    'plan',
    () => reads.planDrift(input),
    (planned) =>
      planned.report.drifted.length === 0
        ? `in sync: ${planned.report.inSync} cluster(s) match`
        : `${planned.report.drifted.length} cluster(s) drifted, ${planned.report.inSync} in sync`,
  );
  if (report.drifted.length === 0) {
    tracker.skip('report', 'no drift');
    if (open) tracker.skip('open', 'no drift');
    tracker.finish('completed');
    return { outcome: 'in-sync', report };
  }
  await tracker.step(
    'report',
    () => reads.notifyDrift(report, workflowId),
    () => 'sent',
  );
  if (!open) {
    tracker.finish('completed');
    return { outcome: 'drift', report };
  }
  const opened = await tracker.step(
    'open',
    () => changes.openDriftChanges(input, entries, workflowId),
    (result) => result.map((change) => `${change.name}: ${change.outcome}`).join(', ') || 'nothing to open',
  );
  tracker.finish('completed');
  return { outcome: 'drift', report, opened };
}
