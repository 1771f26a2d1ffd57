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
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: MarkdownText; fields?: MarkdownText[] }
  | { type: 'context'; elements: MarkdownText[] }
  | { type: 'actions'; block_id: string; elements: SlackButton[] };

export interface PlainText {
  type: 'plain_text';
  text: string;
}

interface MarkdownText {
  type: 'mrkdwn';
  text: string;
}

export interface SlackButton {
  type: 'button';
  action_id: string;
  text: PlainText;
  /** Which runbook and plan the click decides on: `decisionButtonValue`. */
  value: string;
  style?: 'primary' | 'danger';
}

/** The action ids of the two buttons; the interactivity endpoint knows no others. */
export const APPROVE_ACTION = 'imply_runbooks_approve';
export const REJECT_ACTION = 'imply_runbooks_reject';
/** The actions block's id: the same in every message, so an update in place replaces it. */
export const DECISION_BLOCK = 'imply_runbooks_decision';

/** What a button carries: the runbook and the plan version the person saw. Pure. */
export function decisionButtonValue(runbookId: string, planVersion: number): string {
  return JSON.stringify({ runbookId, planVersion });
}

export interface MessageOptions {
  /** The configuration takes clicks (notifications.slack.signingSecretEnv): an open gate gets buttons. */
  interactive?: boolean;
  /** One more line at the end: what a click just did (the interactivity endpoint's update in place). */
  note?: string;
}

// Slack refuses a header over 150 characters and a section text over 3,000.
const HEADER_LIMIT = 150;
const SECTION_LIMIT = 3000;

const markdown = (text: string): MarkdownText => ({ type: 'mrkdwn', text });

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Slack reads `&`, `<` and `>` as markup: escape them in anything a person typed. */
export function escapeMarkdown(text: string): string {
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

/** Whether the event leaves a gate open for decisions (so a message about it may carry buttons). Pure. */
export function gateOpen(event: ApprovalEvent): boolean {
  if (event.kind === 'requested' || event.kind === 'escalated') return true;
  return event.kind === 'decided' && !event.outcome;
}

function buttons(event: ApprovalEvent): SlackBlock {
  const value = decisionButtonValue(event.runbookId, event.plan.version);
  const label = (text: string): PlainText => ({ type: 'plain_text', text });
  return {
    type: 'actions',
    block_id: DECISION_BLOCK,
    elements: [
      { type: 'button', action_id: APPROVE_ACTION, text: label('Approve'), value, style: 'primary' },
      { type: 'button', action_id: REJECT_ACTION, text: label('Reject…'), value, style: 'danger' },
    ],
  };
}

/** Builds the chat message of an approval event; Approve and Reject buttons while its gate is open and clicks are taken. Pure. */
export function approvalMessage(
  event: ApprovalEvent,
  publicUrl: string,
  options: MessageOptions = {},
): SlackMessage {
  const title = headline(event);
  const link = approvalLink(publicUrl, event.runbookId);
  const extra: SlackBlock[] = [];
  if (options.interactive && gateOpen(event)) extra.push(buttons(event));
  if (options.note)
    extra.push({ type: 'context', elements: [markdown(truncate(options.note, SECTION_LIMIT))] });
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
      ...extra,
    ],
  };
}
