import type { ChangeAck, ChangeInput, ChangeResult } from '../shared/change';
import type { PendingApproval } from '../shared/approval';
import type { RunbookEnd } from './runbook-end';
import { costDetail, costLine } from '../shared/cost';
import { shellQuote } from '../shared/terminal-text';

/** What the change commands print: the trigger's answer, the plan to approve, and how the change ended. */

/** Lines telling the person what happened to their trigger and what to do next. Pure. */
export function ackLines(
  ack: ChangeAck,
  input: ChangeInput,
  requester: string,
  pending?: PendingApproval,
): string[] {
  const head = {
    started: `Started runbook ${ack.runbookId} on ${input.clusterName} (${input.clusterId})`,
    merged: `Merged into the change ${ack.runbookId} waiting for approval (plan v${ack.planVersion ?? '?'})`,
    queued: `Queued in ${ack.runbookId}: a change to ${input.clusterName} is past approval`,
    superseded: `Superseded in ${ack.runbookId}: a later request changed the same field before it was planned`,
  }[ack.disposition];
  const lines = [head, `  ${ack.message}`];
  if (pending) {
    lines.push(`  plan v${pending.plan.version} at resource version ${pending.plan.resourceVersion}:`);
    for (const line of pending.plan.diffLines) lines.push(`    ${line}`);
    const cost = costLine(pending.plan.cost);
    if (cost) lines.push(`  ${cost}`);
    if (pending.costApproval) lines.push(`  ${costDetail(pending.costApproval)}`);
  }
  if (ack.needsApproval) {
    const others = input.approval.stage.approvers.filter((approver) => approver !== requester);
    lines.push(
      `  Approve it: imply-runbooks approve ${shellQuote(ack.runbookId)} --as ${others[0] === undefined ? '<approver>' : shellQuote(others[0])} ` +
        `(${input.approval.stage.required} of ${input.approval.stage.approvers.join(', ')}; not ${requester}, who asked)`,
    );
  }
  return lines;
}

/** How the change ended, in a few lines; `ok` unless the change was refused, rejected or rolled back. Pure. */
export function reportChangeEnd(end: RunbookEnd<ChangeResult>): { ok: boolean; lines: string[] } {
  if (end.outcome !== 'completed') return { ok: false, lines: [`Runbook ${end.outcome}: ${end.message}`] };
  const result = end.result;
  const lines = (result.earlier ?? []).map(
    (earlier) =>
      `Earlier in this runbook: ${earlier.kind} ${earlier.outcome}${earlier.reason ? ` (${earlier.reason})` : ''}`,
  );
  const what = `${result.kind} of ${result.clusterName} (${result.clusterId})`;
  const verified = result.verified ? `, verified at resource version ${result.verified.after}` : '';
  switch (result.outcome) {
    case 'applied':
      return { ok: true, lines: [...lines, `Applied: ${what}${verified}`] };
    case 'unchanged':
      return { ok: true, lines: [...lines, `Nothing to do: ${result.reason ?? 'no change'}`] };
    case 'rolled-back': {
      const rollback = result.rollback;
      const back = `version ${rollback?.restoredVersion} is back, verified at resource version ${rollback?.verified?.after ?? '?'}`;
      return {
        ok: false,
        lines: [...lines, `Rolled back: ${what} did not land (${result.reason}); ${back}`],
      };
    }
    default:
      return { ok: false, lines: [...lines, `Not applied (${result.outcome}): ${result.reason ?? ''}`] };
  }
}
