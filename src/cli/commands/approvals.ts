import type { Command } from 'commander';
import { approvalLink } from '../../activities/approval-message';
import { loadConfig, webSettings } from '../../config';
import type {
  ApprovalAudit,
  ChangePlan,
  DecisionAck,
  DecisionRequest,
  PendingApproval,
} from '../../shared/approval';
import { costDetail, costLine } from '../../shared/cost';
import { formatDuration } from '../../shared/durations';
import {
  listPendingApprovals,
  readAudit,
  readPendingApproval,
  sendDecision,
  type PendingApprovalRow,
} from '../../approvals';
import { deciderIdentity } from '../decider';
import { reasonFromFlag } from '../lifecycle-input';
import { action, printJson, printTable, safe } from '../output';
import { shellQuote } from '../../shared/terminal-text';
import { withTemporal } from '../runbook-client';
import { withSearchAttributes } from '../search-attributes-setup';

const indent = (lines: readonly string[]) => lines.map((line) => safe`    ${line}`);

/** The plan's cost line, indented like its diff; nothing for plans recorded before costs. */
const costLines = (plan: ChangePlan) => indent([costLine(plan.cost)].filter((line) => line !== undefined));

function timeLeft(deadline: string, now = Date.now()): string {
  const ms = Date.parse(deadline) - now;
  return ms > 0 ? `in ${formatDuration(ms)}` : 'due now';
}

function approvalsSoFar(pending: PendingApproval): string {
  const by = pending.approvals.length > 0 ? safe` (${pending.approvals.join(', ')})` : '';
  return `${pending.approvals.length} of ${pending.required}${by}`;
}

function describePending(row: PendingApprovalRow, publicUrl: string): string[] {
  const { pending, runbookId } = row;
  if (!pending) return [safe`${runbookId}: waiting for approval; ${row.problem ?? 'no details'}`];
  const { plan } = pending;
  const escalated = pending.stage === 'escalated' ? ', escalated' : '';
  const id = shellQuote(runbookId);
  return [
    safe`${runbookId}: change to ${plan.clusterName} (${plan.clusterId})`,
    ...(row.environment ? [safe`  environment: ${row.environment}`] : []),
    safe`  asked by:   ${plan.requester} at ${plan.createdAt}` + (plan.reason ? safe` (${plan.reason})` : ''),
    `  approvals:  ${approvalsSoFar(pending)}` + safe`, policy ${pending.policy}${escalated}`,
    safe`  approvers:  ${pending.approvers.join(', ')} (${pending.groups.join(', ')})`,
    ...(pending.costApproval ? [safe`  cost rule:  ${costDetail(pending.costApproval)}`] : []),
    safe`  deadline:   ${pending.deadline} (${timeLeft(pending.deadline)})`,
    safe`  plan ${plan.version}, against resource version ${plan.resourceVersion}:`,
    ...indent(plan.diffLines.length > 0 ? plan.diffLines : ['(no field changes)']),
    ...costLines(plan),
    safe`  decide:     imply-runbooks approve ${id} --as <you>  |  reject ${id} --reason <why> --as <you>`,
    safe`  page:       ${approvalLink(publicUrl, runbookId)}`,
  ];
}

function outcomeLine(ack: DecisionAck, pending: PendingApproval): string {
  if (ack.state === 'approved') return `approved ${ack.approvals} of ${ack.required}: the runbook goes on`;
  if (ack.state === 'rejected') return 'rejected: the runbook ends with nothing applied';
  const missing = ack.required - ack.approvals;
  // Above the policy's costDelta the cost rule's approvers count too (the ack counts both).
  const cost = pending.costApproval;
  const from = cost
    ? safe`${pending.approvers.join(', ')} (${pending.groups.join(', ')}) and ${cost.approvers.join(', ')} (${cost.groups.join(', ')}, for its cost)`
    : safe`${pending.approvers.join(', ')}`;
  return `approved ${ack.approvals} of ${ack.required}: waiting for ${missing} more approval${missing === 1 ? '' : 's'} from ${from}`;
}

async function decide(
  runbookId: string,
  decision: DecisionRequest['decision'],
  flags: { as?: string; comment?: string; json?: boolean },
): Promise<void> {
  const decider = deciderIdentity(flags.as);
  if (decision === 'reject' && !flags.comment?.trim()) {
    throw new Error('reject needs a reason: pass --reason <text> (it is kept in the audit)');
  }
  await withTemporal(async (client) => {
    const pending = await readPendingApproval(client, runbookId);
    const { plan } = pending;
    const request: DecisionRequest = { decider, decision, planVersion: plan.version, authenticatedBy: 'cli' };
    const comment = reasonFromFlag(flags.comment, decision === 'reject' ? '--reason' : '--comment');
    if (comment) request.comment = comment;
    if (!flags.json) {
      // Shown before sending: the decision is on exactly this plan version, whatever the answer.
      const verb = decision === 'approve' ? 'Approving' : 'Rejecting';
      console.log(
        safe`${verb} plan ${plan.version} of ${runbookId} as ${decider}: ${plan.clusterName}, asked by ${plan.requester}`,
      );
      for (const line of [...indent(plan.diffLines), ...costLines(plan)]) console.log(line);
    }
    const ack = await sendDecision(client, runbookId, request);
    if (flags.json) return printJson({ runbookId, planVersion: plan.version, decider, ...ack });
    console.log(outcomeLine(ack, pending));
  });
}

function printAudit(runbookId: string, status: string, audit: ApprovalAudit | undefined): void {
  if (!audit) return console.log(safe`${runbookId} (${status}) has not asked for approval`);
  console.log(safe`${runbookId} (${status}): policy ${audit.policy}, outcome ${audit.outcome ?? 'pending'}`);
  for (const plan of audit.plans) {
    console.log(
      safe`plan ${plan.version} by ${plan.requester} at ${plan.createdAt}, against resource version ${plan.resourceVersion}:`,
    );
    for (const line of [...indent(plan.diffLines), ...costLines(plan)]) console.log(line);
  }
  if (audit.decisions.length === 0) return console.log('no decisions yet');
  printTable(audit.decisions, [
    { header: 'AT', value: (decision) => decision.at },
    { header: 'DECIDER', value: (decision) => decision.decider },
    { header: 'DECISION', value: (decision) => decision.decision },
    { header: 'PLAN', value: (decision) => String(decision.planVersion) },
    { header: 'VIA', value: (decision) => decision.via },
    { header: 'AUTHENTICATED', value: (decision) => decision.authenticatedBy },
    {
      header: 'OUTCOME',
      value: (decision) => (decision.reason ? `${decision.outcome}: ${decision.reason}` : decision.outcome),
    },
    { header: 'COMMENT', value: (decision) => decision.comment },
  ]);
}

/** `imply-runbooks approvals | approve | reject | audit`: decide on changes waiting for approval. */
export function registerApprovalCommands(program: Command): void {
  program
    .command('approvals')
    .description('List the changes waiting for approval, with their plan diff')
    .option('--json', 'print JSON')
    .option(
      '--config <file>',
      'configuration file, for the approval page links (default: IMPLY_RUNBOOKS_CONFIG or ./imply-runbooks.config.yaml)',
    )
    .action(
      action(async (flags: { json?: boolean; config?: string }) => {
        const { publicUrl } = webSettings(loadConfig({ path: flags.config }));
        const rows = await withTemporal((client, settings) =>
          withSearchAttributes(client.connection, settings.namespace, () =>
            listPendingApprovals(client, { baseTaskQueue: settings.taskQueue }),
          ),
        );
        if (flags.json) {
          return printJson(rows.map((row) => ({ ...row, link: approvalLink(publicUrl, row.runbookId) })));
        }
        if (rows.length === 0) return console.log('No change is waiting for approval.');
        console.log(rows.map((row) => describePending(row, publicUrl).join('\n')).join('\n\n'));
      }),
    );

  program
    .command('approve <runbook-id>')
    .description('Approve the change a runbook waits for (the plan shown by `approvals`)')
    .option('--as <user>', 'who approves (default: IMPLY_RUNBOOKS_USER)')
    .option('--comment <text>', 'a note kept in the audit')
    .option('--json', 'print the answer as JSON')
    .action(
      action((runbookId: string, flags: { as?: string; comment?: string; json?: boolean }) =>
        decide(runbookId, 'approve', flags),
      ),
    );

  program
    .command('reject <runbook-id>')
    .description('Reject the change a runbook waits for: it ends with nothing applied')
    .requiredOption('--reason <text>', 'why, kept in the audit and told to the requester')
    .option('--as <user>', 'who rejects (default: IMPLY_RUNBOOKS_USER)')
    .option('--json', 'print the answer as JSON')
    .action(
      action((runbookId: string, flags: { as?: string; reason: string; json?: boolean }) =>
        decide(runbookId, 'reject', { as: flags.as, comment: flags.reason, json: flags.json }),
      ),
    );

  program
    .command('audit <runbook-id>')
    .description('Show every plan and decision of a runbook: who, when, plan version, comment, outcome')
    .option('--json', 'print JSON')
    .action(
      action(async (runbookId: string, flags: { json?: boolean }) => {
        const { status, audit } = await withTemporal((client) => readAudit(client, runbookId));
        if (flags.json) return printJson({ runbookId, status, ...(audit ?? { plans: [], decisions: [] }) });
        printAudit(runbookId, status, audit);
      }),
    );
}
