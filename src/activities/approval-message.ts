import type { ApprovalEvent, DecisionRecord } from '../shared/approval';
import { costDetail, costSummary, pricesNote, unpricedNote } from '../shared/cost';

/**
 * The Slack-compatible message of one approval event: `text` for notifications and clients without
 * blocks, `blocks` with the cluster, the diff, who asked or decided, the deadline and where to decide.
 */

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text?: MarkdownText; fields?: MarkdownText[] }
  | { type: 'context'; elements: MarkdownText[] };

interface MarkdownText {
  type: 'mrkdwn';
  text: string;
}

// Slack refuses a header over 150 characters and a section text over 3,000.
const HEADER_LIMIT = 150;
const SECTION_LIMIT = 3000;

const markdown = (text: string): MarkdownText => ({ type: 'mrkdwn', text });

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Slack reads `&`, `<` and `>` as markup: escape them in anything a person typed. */
function escapeMarkdown(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Where a person decides on the web page: `<publicUrl>/approvals/<runbookId>`. */
export function approvalLink(publicUrl: string, runbookId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(runbookId)}`;
}

const VERBS: Record<DecisionRecord['decision'], string> = {
  approve: 'approved',
  reject: 'rejected',
  escalate: 'escalated',
};

function verb(decision: DecisionRecord): string {
  return VERBS[decision.decision] ?? decision.decision;
}

function headline(event: ApprovalEvent): string {
  const cluster = event.plan.clusterName;
  switch (event.kind) {
    case 'requested':
      return `Approval needed: change to ${cluster}`;
    case 'escalated':
      return `Approval escalated: change to ${cluster}`;
    case 'timed-out':
      return `Approval timed out: change to ${cluster} not applied`;
    case 'decided': {
      if (event.outcome === 'approved' || event.outcome === 'auto-approved')
        return `Change to ${cluster} approved: the runbook goes on`;
      if (event.outcome === 'rejected') return `Change to ${cluster} rejected: nothing applied`;
      const who = event.decision ? `${event.decision.decider} ${verb(event.decision)}` : 'A decision';
      return `${who} the change to ${cluster}`;
    }
  }
}

function decisionText(decision: DecisionRecord): string {
  // The gate's own decisions (auto, timeout, escalation) carry a reason instead of a comment.
  const said = decision.comment ?? decision.reason;
  const comment = said ? `: “${escapeMarkdown(truncate(said, 1500))}”` : '';
  return `${escapeMarkdown(decision.decider)} ${verb(decision)} at ${decision.at} (via ${decision.via})${comment}`;
}

function facts(event: ApprovalEvent): MarkdownText[] {
  const { plan, pending, decision } = event;
  const fields = [
    markdown(`*Cluster*\n${escapeMarkdown(plan.clusterName)} (\`${plan.clusterId}\`)`),
    markdown(`*Requested by*\n${escapeMarkdown(plan.requester)}`),
  ];
  // Plans recorded before costs were computed have none: no field.
  const cost = plan.cost;
  if (cost) {
    const notes = [
      costSummary(cost),
      pricesNote(cost),
      unpricedNote(cost),
      pending?.costApproval && costDetail(pending.costApproval),
    ].filter((note): note is string => Boolean(note));
    // Slack refuses a field over 2,000 characters; group names come from the configuration.
    fields.push(markdown(`*Monthly cost*\n${escapeMarkdown(truncate(notes.join('\n'), 1900))}`));
  }
  if (pending) {
    const groups = pending.groups.length > 0 ? ` (${pending.groups.join(', ')})` : '';
    fields.push(markdown(`*Approvals*\n${pending.approvals.length} of ${pending.required}${groups}`));
    fields.push(markdown(`*Deadline*\n${pending.deadline}`));
  }
  if (decision) fields.push(markdown(`*Decision*\n${decisionText(decision)}`));
  if (event.outcome) fields.push(markdown(`*Outcome*\n${event.outcome}`));
  return fields;
}

function diffBlock(lines: string[]): string {
  const body = lines.length > 0 ? lines.join('\n') : '(no field changes)';
  // Leave room for the fences so a long diff is cut, not refused.
  return `\`\`\`\n${truncate(body, SECTION_LIMIT - 8)}\n\`\`\``;
}

function whereToDecide(event: ApprovalEvent, publicUrl: string): string {
  const id = event.runbookId;
  if (
    event.kind === 'requested' ||
    event.kind === 'escalated' ||
    (event.kind === 'decided' && !event.outcome)
  ) {
    return (
      `<${approvalLink(publicUrl, id)}|Approve or reject on the page>, or from a shell: ` +
      `\`imply-runbooks approve ${id} --as <you>\` / \`imply-runbooks reject ${id} --reason <why> --as <you>\``
    );
  }
  return `<${approvalLink(publicUrl, id)}|See the decisions>, or from a shell: \`imply-runbooks audit ${id}\``;
}

/** Builds the chat message of an approval event. Pure. */
export function approvalMessage(event: ApprovalEvent, publicUrl: string): SlackMessage {
  const title = headline(event);
  const link = approvalLink(publicUrl, event.runbookId);
  return {
    text: `${title} (runbook ${event.runbookId}): ${link}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(title, HEADER_LIMIT) } },
      { type: 'section', fields: facts(event) },
      { type: 'section', text: markdown(diffBlock(event.plan.diffLines)) },
      { type: 'section', text: markdown(whereToDecide(event, publicUrl)) },
      {
        type: 'context',
        elements: [
          markdown(
            `Runbook \`${event.runbookId}\` · plan version ${event.plan.version} · ` +
              `resource version ${event.plan.resourceVersion}` +
              (event.pending ? ` · policy ${event.pending.policy}, ${event.pending.stage} stage` : ''),
          ),
        ],
      },
    ],
  };
}
