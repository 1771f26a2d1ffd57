import type { IncomingMessage, ServerResponse } from 'node:http';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { WebLog } from '../observability/web-log';
import type { DecisionRequest } from '../shared/approval';
import {
  approvalPath,
  renderAudit,
  renderDecidedTable,
  renderPendingCard,
  renderUnreadableCard,
  type Viewer,
} from './approval-views';
import type { ApprovalsSource } from './approvals-source';
import { guardedForm } from './form-guard';
import { html } from './html';
import { formField, redirect, send, WebProblem } from './http-io';
import { authenticatedBy, identify, SESSION_MAX_AGE_SECONDS, type IdentitySettings } from './identity';
import { renderPage, renderSignedIn } from './layout';
import type { OidcSignIn } from './oidc';
import type { Site } from './request-guards';
import { sessionCookie, sessionCookieValue } from './sessions';
import type { RoleConfig } from './roles';
import type { OperationsOptions } from './operations-source';

/** The pages and the decision form's handler. Each throws WebProblem for a refusal. */

export interface RouteContext extends IdentitySettings {
  source: ApprovalsSource;
  /** Sign-in with OpenID Connect, when web.oidc is configured. */
  oidc?: { redirectPath: string; signIn: OidcSignIn };
  site: Site;
  namespace: string;
  log: WebLog;
  now: () => Date;
  /** Who may do what on the operations pages (web.roles and the approval groups). */
  roleConfig: RoleConfig;
  /** The Cloud Manager clients and Temporal access of the operations pages; absent: they answer 503. */
  operations?: OperationsOptions;
}

const COMMENT_LIMIT = 2000;

function viewerOf(request: IncomingMessage, response: ServerResponse, context: RouteContext): Viewer {
  const { user, session } = identify(request, response, context, { mayStartSession: true });
  return { user, groups: session.groups, csrfToken: session.csrfToken, now: context.now() };
}

function takeFlash(request: IncomingMessage, context: RouteContext): string | undefined {
  const session = context.sessions.find(sessionCookieValue(request.headers.cookie));
  const flash = session?.flash;
  if (session) delete session.flash;
  return flash;
}

function unreachable(error: unknown, namespace: string): WebProblem {
  const reason = error instanceof Error ? error.message : String(error);
  const message = `Cannot read the runbooks from Temporal (namespace ${namespace}): ${reason}`;
  return new WebProblem(503, 'Temporal unavailable', message);
}

/** GET /approvals: every pending gate, then the recent decisions. Read-only. */
export async function approvalsPage(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
) {
  const viewer = viewerOf(request, response, context);
  const [pending, decided] = await Promise.allSettled([
    context.source.listPending(),
    context.source.recentDecisions(),
  ]);
  if (pending.status === 'rejected') throw unreachable(pending.reason, context.namespace);
  const cards = pending.value.map((row) =>
    row.pending
      ? renderPendingCard(row.runbookId, row.pending, viewer, '/approvals', row.environment)
      : renderUnreadableCard(row),
  );
  const recent =
    decided.status === 'fulfilled'
      ? renderDecidedTable(decided.value, viewer.now)
      : html`<p class="problem">Cannot read the recent decisions: ${String(decided.reason)}</p>`;
  const body = html`<h1>Pending approvals</h1>
    ${cards.length > 0 ? cards : html`<p class="muted">Nothing waits for approval.</p>`}
    <h2>Recent decisions</h2>
    ${recent}`;
  const flash = takeFlash(request, context);
  send(response, 200, renderPage({ title: 'Approvals', user: viewer.user, flash, body }));
}

/** GET /approvals/<runbook-id>: the one gate a notification links to, or its audit once closed. Read-only. */
export async function approvalPage(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  runbookId: string,
) {
  const viewer = viewerOf(request, response, context);
  const returnTo = approvalPath(runbookId);
  let body;
  try {
    const pending = await context.source.pending(runbookId);
    if (pending) {
      const environment = await context.source.environment(runbookId);
      body = html`<h1>Approval for ${runbookId}</h1>
        ${renderPendingCard(runbookId, pending, viewer, returnTo, environment)}`;
    } else {
      const audit = await context.source.audit(runbookId);
      body = html`<h1>${runbookId}</h1>
        <p>Nothing waits for approval in this runbook now.</p>
        ${audit ? renderAudit(audit, viewer.now) : html`<p class="muted">It has no approval record.</p>`}`;
    }
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new WebProblem(404, 'No such runbook', `There is no runbook ${runbookId}.`);
    }
    throw unreachable(error, context.namespace);
  }
  body = html`${body}
    <p><a href="/approvals">All pending approvals</a></p>`;
  const flash = takeFlash(request, context);
  send(response, 200, renderPage({ title: runbookId, user: viewer.user, flash, body }));
}

function decisionFrom(form: URLSearchParams, user: string): DecisionRequest {
  const decision = formField(form, 'decision');
  if (decision !== 'approve' && decision !== 'reject') {
    throw new WebProblem(400, 'Bad form', 'The form field "decision" must be approve or reject.');
  }
  const versionText = formField(form, 'planVersion') ?? '';
  const planVersion = Number(versionText);
  if (!/^\d{1,9}$/.test(versionText) || planVersion < 1) {
    throw new WebProblem(
      400,
      'Bad form',
      'The form field "planVersion" must be the plan version shown (1 or more).',
    );
  }
  const comment = (formField(form, 'comment') ?? '').trim();
  if (comment.length > COMMENT_LIMIT) {
    throw new WebProblem(
      400,
      'Bad form',
      `The comment is longer than ${COMMENT_LIMIT} characters: shorten it.`,
    );
  }
  if (decision === 'reject' && comment === '') {
    throw new WebProblem(
      400,
      'Reason needed',
      'A rejection needs a reason: write it in the comment and send again.',
    );
  }
  return { decider: user, decision, planVersion, ...(comment ? { comment } : {}) };
}

/** POST /approvals/<runbook-id>/decision: checks the sender, then sends the update. Not idempotent in effect, but a repeat is the same update. */
export async function decisionForm(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  runbookId: string,
) {
  const { user, session, form } = await guardedForm(request, response, context);
  const decision: DecisionRequest = {
    ...decisionFrom(form, user),
    authenticatedBy: authenticatedBy(session),
    // Only an OIDC session's groups came from a verified token.
    ...(session.via === 'oidc' && session.groups?.length ? { groups: [...session.groups] } : {}),
  };
  const result = await context.source.decide(runbookId, decision);
  const what = `${user} ${decision.decision} ${runbookId} plan v${decision.planVersion}`;
  if (!result.ok) {
    context.log(`[web] ${what}: refused (${result.status}): ${result.reason}`, {
      runbookId,
      user,
      level: 'warn',
    });
    throw new WebProblem(result.status, 'Decision not taken', result.reason);
  }
  const { ack } = result;
  context.log(`[web] ${what}: accepted, gate ${ack.state} (${ack.approvals} of ${ack.required})`, {
    runbookId,
    user,
  });
  const verb = decision.decision === 'approve' ? 'approved' : 'rejected';
  session.flash = `You ${verb} plan v${decision.planVersion} of ${runbookId}: the gate is ${ack.state} (${ack.approvals} of ${ack.required} approvals).`;
  const back = formField(form, 'return');
  redirect(response, back === approvalPath(runbookId) ? back : '/approvals');
}

/** GET /login?token=…: starts a session for the token's user. Never logs or echoes the token. */
export function login(request: IncomingMessage, response: ServerResponse, context: RouteContext, url: URL) {
  const token = url.searchParams.get('token');
  if (!token) throw new WebProblem(400, 'No token', 'Open your personal login link: /login?token=…');
  const user = context.sessions.userForToken(token);
  const noReferrer = { 'Referrer-Policy': 'no-referrer' };
  if (!user) {
    throw new WebProblem(
      401,
      'Login link not valid',
      'This login link is not valid (the dev stack makes new ones each time it starts): ask for a current one.',
      noReferrer,
    );
  }
  context.sessions.end(sessionCookieValue(request.headers.cookie));
  const { cookieValue } = context.sessions.create(user, 'token');
  context.log(`[web] ${user} signed in with a token`, { user });
  send(response, 200, renderSignedIn(user, '/approvals'), {
    ...noReferrer,
    'Set-Cookie': sessionCookie(cookieValue, context.secureCookies, SESSION_MAX_AGE_SECONDS),
  });
}
