import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  approvalMessage,
  APPROVE_ACTION,
  escapeMarkdown,
  REJECT_ACTION,
  type SlackMessage,
} from '../activities/approval-message';
import type { SlackSettings } from '../config';
import type { ApprovalEvent, DecisionRecord } from '../shared/approval';
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, slackSignatureProblem } from '../slack/signature';
import { postToResponseUrl, responseUrlAllowed, SlackWebApi } from '../slack/web-api';
import type { DecisionResult } from './approvals-source';
import { takeChatDecision, type ChatDecision, type ChatDecisionContext } from './decision-endpoint';
import { readRawBody, send } from './http-io';

/**
 * `POST /api/slack/interactivity`: the Slack app's Request URL. A click on Approve decides at once; a
 * click on Reject opens a modal asking why, and its submission rejects. Every request must carry
 * Slack's signature over its exact body (`slack/signature.ts`); the Slack user becomes a person
 * through `notifications.slack.users` (by user id, or by the e-mail Slack gives for them); the
 * decision then goes the one way every decision goes (`takeChatDecision`). Slack wants an answer
 * within 3 seconds, so the handler answers first and then decides, updating the message in place
 * through the interaction's `response_url` with the outcome (or why it was refused).
 */

export const SLACK_INTERACTIVITY_PATH = '/api/slack/interactivity';
export const REJECT_MODAL = 'imply_runbooks_reject';
const BODY_LIMIT_BYTES = 64 * 1024;

export interface SlackInteractivityOptions extends ChatDecisionContext {
  slack?: SlackSettings;
  publicUrl: string;
  /** Work begun after answering Slack, so a test or a closing server can wait for it. */
  background?: Set<Promise<void>>;
}

interface Target {
  runbookId: string;
  planVersion: number;
}

interface SlackUser {
  id: string;
  name?: string;
}

function parseTarget(value: unknown): Target | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<Target> & { responseUrl?: string };
    if (typeof parsed.runbookId !== 'string' || !parsed.runbookId) return undefined;
    if (!Number.isInteger(parsed.planVersion) || (parsed.planVersion as number) < 1) return undefined;
    return { runbookId: parsed.runbookId, planVersion: parsed.planVersion as number };
  } catch {
    return undefined;
  }
}

function answer(response: ServerResponse, status: number, body: unknown = ''): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  send(response, status, text, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
  });
}

/** The person behind a Slack user: by id first, then by the e-mail Slack gives (with a bot token). */
async function personOf(user: SlackUser, slack: SlackSettings): Promise<string | undefined> {
  const byId = slack.users[user.id];
  if (byId) return byId;
  if (!slack.botToken) return undefined;
  const email = await new SlackWebApi(slack.apiUrl, slack.botToken).userEmail(user.id).catch(() => undefined);
  return email ? slack.users[email.toLowerCase()] : undefined;
}

function rejectModal(target: Target, responseUrl: string): object {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL,
    private_metadata: JSON.stringify({ ...target, responseUrl }),
    title: { type: 'plain_text', text: 'Reject the change' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Reject plan v${target.planVersion} of \`${escapeMarkdown(target.runbookId)}\`: nothing is applied.`,
        },
      },
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Why? (the requester and the audit see this)' },
        element: {
          type: 'plain_text_input',
          action_id: 'reason',
          multiline: true,
          min_length: 1,
          max_length: 2000,
        },
      },
    ],
  };
}

function lastCounted(decisions: readonly DecisionRecord[]): DecisionRecord | undefined {
  return [...decisions].reverse().find((record) => record.outcome === 'counted');
}

/** The message as it stands now (gate open: with buttons; closed: the outcome), with `note` beneath. */
async function currentMessage(
  options: SlackInteractivityOptions,
  runbookId: string,
  note: string,
): Promise<SlackMessage> {
  const interactive = options.slack?.interactive ?? true;
  const pending = await options.source.pending(runbookId).catch(() => undefined);
  let event: ApprovalEvent | undefined;
  if (pending) {
    event = {
      kind: pending.stage === 'escalated' ? 'escalated' : 'requested',
      runbookId,
      plan: pending.plan,
      pending,
    };
  } else {
    const audit = await options.source.audit(runbookId).catch(() => undefined);
    const plan = audit?.plans.at(-1);
    if (audit && plan) {
      const decision = lastCounted(audit.decisions);
      event = {
        kind: 'decided',
        runbookId,
        plan,
        ...(decision ? { decision } : {}),
        ...(audit.outcome ? { outcome: audit.outcome } : {}),
      };
    }
  }
  if (!event) return { text: note, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: note } }] };
  return approvalMessage(event, options.publicUrl, { interactive, note });
}

/** What a click did, in one line for everyone in the channel. Pure. */
export function outcomeNote(
  user: SlackUser,
  person: string | undefined,
  decision: ChatDecision['decision'],
  target: Target,
  result: DecisionResult | undefined,
): string {
  const who = `<@${user.id}>`;
  const plan = `plan v${target.planVersion}`;
  if (!person) {
    return `:warning: ${who} tried to ${decision} ${plan}, but their Slack account is not mapped to a person: add their user id or e-mail to notifications.slack.users`;
  }
  const named = `${who} (${escapeMarkdown(person)})`;
  if (!result) return `:warning: ${named} could not ${decision} ${plan}`;
  if (result.ok) {
    const { ack } = result;
    const verb = decision === 'approve' ? 'approved' : 'rejected';
    return `${decision === 'approve' ? ':white_check_mark:' : ':no_entry:'} ${named} ${verb} ${plan}: the gate is ${ack.state} (${ack.approvals} of ${ack.required} approvals)`;
  }
  return `:warning: ${named} could not ${decision} ${plan}: ${escapeMarkdown(result.reason)}`;
}

async function decideAndUpdate(
  options: SlackInteractivityOptions,
  user: SlackUser,
  target: Target,
  decision: ChatDecision['decision'],
  responseUrl: string,
  comment?: string,
): Promise<void> {
  const slack = options.slack as SlackSettings;
  const person = await personOf(user, slack);
  let result: DecisionResult | undefined;
  if (person) {
    result = await takeChatDecision(options, {
      ...target,
      decision,
      decider: person,
      ...(comment ? { comment } : {}),
      authenticatedBy: 'slack',
    });
  } else {
    options.log(
      `[web] Slack user ${user.id} is not mapped to a person: ${decision} of ${target.runbookId} refused`,
      {
        runbookId: target.runbookId,
        level: 'warn',
      },
    );
  }
  const note = outcomeNote(user, person, decision, target, result);
  const message = await currentMessage(options, target.runbookId, note);
  await postToResponseUrl(responseUrl, { replace_original: true, ...message });
}

function inBackground(options: SlackInteractivityOptions, work: () => Promise<void>, what: string): void {
  const running = work().catch((error: unknown) => {
    options.log(`[web] Slack ${what} failed: ${(error as Error).message}`, { level: 'error' });
  });
  options.background?.add(running);
  void running.finally(() => options.background?.delete(running));
}

function userOf(payload: Record<string, unknown>): SlackUser | undefined {
  const user = payload.user as { id?: unknown; name?: unknown; username?: unknown } | undefined;
  if (typeof user?.id !== 'string' || !user.id) return undefined;
  const name =
    typeof user.username === 'string' ? user.username : typeof user.name === 'string' ? user.name : undefined;
  return { id: user.id, ...(name ? { name } : {}) };
}

/** Handles one interactivity request from Slack. */
export async function handleSlackInteractivity(
  request: IncomingMessage,
  response: ServerResponse,
  options: SlackInteractivityOptions,
): Promise<void> {
  if (request.method !== 'POST') return answer(response, 405, `use POST ${SLACK_INTERACTIVITY_PATH}`);
  const slack = options.slack;
  if (!slack?.signingSecret) {
    return answer(
      response,
      503,
      'Slack interactivity is not configured: set notifications.slack.signingSecretEnv',
    );
  }
  let body: Buffer;
  try {
    body = await readRawBody(request, BODY_LIMIT_BYTES, () => new Error('too large'));
  } catch {
    return answer(response, 413, 'the request is too large');
  }
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const forged = slackSignatureProblem(
    slack.signingSecret,
    header(SLACK_SIGNATURE_HEADER),
    header(SLACK_TIMESTAMP_HEADER),
    body,
  );
  if (forged) {
    options.log(`[web] Slack interactivity refused: ${forged}`, { level: 'warn' });
    return answer(response, 401, forged);
  }
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(new URLSearchParams(body.toString('utf8')).get('payload') ?? '') as Record<
      string,
      unknown
    >;
  } catch {
    return answer(response, 400, 'the form field "payload" is not JSON');
  }
  const user = userOf(payload);
  if (!user) return answer(response, 400, 'the payload names no user');
  if (payload.type === 'block_actions') return blockAction(response, options, slack, user, payload);
  if (payload.type === 'view_submission') return viewSubmission(response, options, user, payload);
  // Other interactions (a message shortcut, a closed modal) are not ours to act on.
  return answer(response, 200);
}

async function blockAction(
  response: ServerResponse,
  options: SlackInteractivityOptions,
  slack: SlackSettings,
  user: SlackUser,
  payload: Record<string, unknown>,
): Promise<void> {
  const action = (payload.actions as Array<{ action_id?: unknown; value?: unknown }> | undefined)?.[0];
  const target = parseTarget(action?.value);
  const responseUrl = typeof payload.response_url === 'string' ? payload.response_url : '';
  if (!action || !target || (action.action_id !== APPROVE_ACTION && action.action_id !== REJECT_ACTION)) {
    return answer(response, 200);
  }
  if (!responseUrlAllowed(responseUrl, slack.apiUrl)) {
    return answer(response, 400, "the payload's response_url is not Slack's");
  }
  if (action.action_id === APPROVE_ACTION) {
    answer(response, 200);
    return inBackground(
      options,
      () => decideAndUpdate(options, user, target, 'approve', responseUrl),
      'approval',
    );
  }
  const triggerId = typeof payload.trigger_id === 'string' ? payload.trigger_id : '';
  if (slack.botToken && triggerId) {
    try {
      await new SlackWebApi(slack.apiUrl, slack.botToken).openView(
        triggerId,
        rejectModal(target, responseUrl),
      );
      return answer(response, 200);
    } catch (error) {
      options.log(`[web] Slack views.open failed: ${(error as Error).message}`, { level: 'warn' });
    }
  }
  // No modal (no bot token, or Slack refused it): say where to reject, to this person only.
  answer(response, 200, {
    response_type: 'ephemeral',
    replace_original: false,
    text: `A rejection needs a reason, and this Slack app cannot ask for one here (no bot token): reject on the page, ${options.publicUrl}/approvals/${encodeURIComponent(target.runbookId)}`,
  });
}

function viewSubmission(
  response: ServerResponse,
  options: SlackInteractivityOptions,
  user: SlackUser,
  payload: Record<string, unknown>,
): void {
  const view = payload.view as
    | {
        callback_id?: unknown;
        private_metadata?: unknown;
        state?: { values?: Record<string, Record<string, { value?: unknown }>> };
      }
    | undefined;
  if (view?.callback_id !== REJECT_MODAL) return answer(response, 200);
  const target = parseTarget(view.private_metadata);
  const responseUrl = (() => {
    try {
      const url = (JSON.parse(String(view.private_metadata)) as { responseUrl?: unknown }).responseUrl;
      return typeof url === 'string' ? url : '';
    } catch {
      return '';
    }
  })();
  if (!target || !responseUrlAllowed(responseUrl, options.slack?.apiUrl ?? '')) {
    return answer(response, 400, 'the modal does not say which change it rejects');
  }
  const reason = view.state?.values?.reason?.reason?.value;
  if (typeof reason !== 'string' || reason.trim() === '') {
    return answer(response, 200, {
      response_action: 'errors',
      errors: { reason: 'Write why the change is rejected.' },
    });
  }
  answer(response, 200);
  inBackground(
    options,
    () => decideAndUpdate(options, user, target, 'reject', responseUrl, reason.trim().slice(0, 2000)),
    'rejection',
  );
}
