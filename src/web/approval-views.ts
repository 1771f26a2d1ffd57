import {
  isStageApprover,
  type ApprovalAudit,
  type ChangePlan,
  type DecisionRecord,
  type PendingApproval,
} from '../shared/approval';
import { costDetail, costSummary, pricesNote, unpricedNote } from '../shared/cost';
import type { DecidedRow, PendingRow } from './approvals-source';
import { displayValue, html, timeElement, type SafeHtml } from './html';

/** The approvals page's parts: a pending gate as a card with its diff and buttons, and the decisions. */

export interface Viewer {
  user: string;
  /** The groups of an OIDC session's token: they make the viewer an approver too. */
  groups?: string[];
  csrfToken: string;
  now: Date;
}

/** The path of one runbook's approval page. Pure. */
export function approvalPath(runbookId: string): string {
  return `/approvals/${encodeURIComponent(runbookId)}`;
}

function diffTable(plan: ChangePlan): SafeHtml {
  if (plan.changes.length === 0) {
    return html`<ul class="diff">
      ${plan.diffLines.map((line) => html`<li><code>${line}</code></li>`)}
    </ul>`;
  }
  const rows = plan.changes.map(
    (change) =>
      html`<tr>
        <td>${change.path}</td>
        <td class="before">${change.kind === 'added' ? '(absent)' : displayValue(change.before)}</td>
        <td class="after">${change.kind === 'removed' ? '(removed)' : displayValue(change.after)}</td>
      </tr>`,
  );
  return html`<table class="diff" aria-label="plan diff">
    <thead>
      <tr>
        <th>Field</th>
        <th>Now</th>
        <th>After approval</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function viewerNote(pending: PendingApproval, user: string, groups?: string[]): SafeHtml | string {
  if (pending.plan.requester === user) {
    return html`<p class="note">You asked for this change: someone else must approve it (four eyes).</p>`;
  }
  if (pending.approvals.includes(user)) return html`<p class="note">You have approved this plan.</p>`;
  const costApprovers = pending.costApproval;
  if (
    !isStageApprover(pending, user, groups) &&
    !(costApprovers && isStageApprover(costApprovers, user, groups))
  ) {
    return html`<p class="note">
      You are not among the approvers of this stage (${pending.approvers.join(', ')}).
    </p>`;
  }
  return '';
}

function decisionForms(runbookId: string, plan: ChangePlan, viewer: Viewer, returnTo: string): SafeHtml {
  const action = `${approvalPath(runbookId)}/decision`;
  const hidden = html`<input type="hidden" name="csrf" value="${viewer.csrfToken}" />
    <input type="hidden" name="planVersion" value="${plan.version}" />
    <input type="hidden" name="return" value="${returnTo}" />`;
  return html`<div class="decide">
    <form method="post" action="${action}">
      ${hidden}
      <input type="hidden" name="decision" value="approve" />
      <label>Comment (optional)<br /><textarea name="comment" maxlength="2000"></textarea></label>
      <button type="submit" class="approve">Approve plan v${plan.version}</button>
    </form>
    <form method="post" action="${action}">
      ${hidden}
      <input type="hidden" name="decision" value="reject" />
      <label
        >Reason (required to reject)<br /><textarea name="comment" maxlength="2000" required></textarea>
      </label>
      <button type="submit" class="reject">Reject</button>
    </form>
  </div>`;
}

/** The plan's monthly cost (absent in plans recorded before costs): before → after (delta), the prices' date, unpriced types. Pure. */
function costItem(plan: ChangePlan): SafeHtml | string {
  const cost = plan.cost;
  if (!cost) return '';
  const unpriced = unpricedNote(cost);
  return html`<dt>Monthly cost</dt>
    <dd data-cost-delta="${cost.monthlyDelta}">
      <strong>${costSummary(cost)}</strong>
      <span class="muted">${pricesNote(cost)}</span
      >${unpriced ? html`<br /><span class="problem">${unpriced}</span>` : ''}
    </dd>`;
}

/** One open gate: cluster, who asked, N of M, approvers, deadline, the diff, and the buttons. Pure. */
export function renderPendingCard(
  runbookId: string,
  pending: PendingApproval,
  viewer: Viewer,
  returnTo: string,
  environment?: string,
) {
  const { plan } = pending;
  const approvals = pending.approvals.length > 0 ? pending.approvals.join(', ') : 'none yet';
  return html`<article class="card" data-runbook="${runbookId}">
    <h3>Cluster ${plan.clusterName} <span class="muted">${plan.clusterId}</span></h3>
    <dl>
      ${
        environment
          ? html`<dt>Environment</dt>
              <dd data-environment="${environment}"><strong>${environment}</strong></dd>`
          : ''
      }
      <dt>Runbook</dt>
      <dd><a href="${approvalPath(runbookId)}">${runbookId}</a></dd>
      <dt>Asked by</dt>
      <dd>${plan.requester}, ${timeElement(plan.createdAt, viewer.now)}</dd>
      ${
        plan.reason
          ? html`<dt>Reason</dt>
              <dd>${plan.reason}</dd>`
          : ''
      }
      <dt>Plan</dt>
      <dd>version ${plan.version}, against resource version ${plan.resourceVersion}</dd>
      <dt>Policy</dt>
      <dd>${pending.policy}${pending.stage === 'escalated' ? ' (escalated)' : ''}</dd>
      <dt>Approvers</dt>
      <dd>${pending.groups.join(', ')}: ${pending.approvers.join(', ')}</dd>
      <dt>Approvals</dt>
      <dd><strong>${pending.approvals.length} of ${pending.required}</strong>: ${approvals}</dd>
      ${costItem(plan)}
      ${
        pending.costApproval
          ? html`<dt>Cost rule</dt>
              <dd class="cost-rule">${costDetail(pending.costApproval)}</dd>`
          : ''
      }
      <dt>Times out</dt>
      <dd>${timeElement(pending.deadline, viewer.now)}</dd>
    </dl>
    ${diffTable(plan)} ${viewerNote(pending, viewer.user, viewer.groups)}
    ${decisionForms(runbookId, plan, viewer, returnTo)}
  </article>`;
}

/** A row the page could list but not read: shown so nobody misses that something waits. Pure. */
export function renderUnreadableCard(row: PendingRow): SafeHtml {
  return html`<article class="card" data-runbook="${row.runbookId}">
    <h3><a href="${approvalPath(row.runbookId)}">${row.runbookId}</a></h3>
    <p class="problem">${row.problem ?? 'details unavailable'}</p>
  </article>`;
}

function countedDecisions(audit: ApprovalAudit | undefined): DecisionRecord[] {
  return (audit?.decisions ?? []).filter((decision) => decision.outcome === 'counted');
}

function describeDecision(decision: DecisionRecord): string {
  const verb = decision.decision === 'approve' ? 'approved' : 'rejected';
  const comment = decision.comment ? `: “${decision.comment}”` : '';
  const how = decision.authenticatedBy ? `${decision.via}, ${decision.authenticatedBy}` : decision.via;
  return `${decision.decider} ${verb} v${decision.planVersion} (${how})${comment}`;
}

/** The recent decisions: runbook, cluster, outcome, who decided and when. Pure. */
export function renderDecidedTable(rows: DecidedRow[], now: Date): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No decisions yet.</p>`;
  const body = rows.map((row) => {
    const decisions = countedDecisions(row.audit);
    const last = decisions.at(-1)?.at ?? row.closedAt;
    return html`<tr>
      <td><a href="${approvalPath(row.runbookId)}">${row.runbookId}</a></td>
      <td>${row.clusterName ?? '—'}</td>
      <td class="outcome-${row.outcome}">${row.outcome}</td>
      <td>
        ${decisions.length > 0 ? decisions.map((decision) => html`<div>${describeDecision(decision)}</div>`) : '—'}
      </td>
      <td>${timeElement(last, now)}</td>
      <td>${row.running ? 'running' : 'ended'}</td>
    </tr>`;
  });
  return html`<table aria-label="recent decisions">
    <thead>
      <tr>
        <th>Runbook</th>
        <th>Cluster</th>
        <th>Outcome</th>
        <th>Decided by</th>
        <th>When</th>
        <th>Runbook is</th>
      </tr>
    </thead>
    <tbody>
      ${body}
    </tbody>
  </table>`;
}

/** Every decision of one runbook, the refused ones with their reason. Pure. */
export function renderAudit(audit: ApprovalAudit, now: Date): SafeHtml {
  const rows = audit.decisions.map(
    (decision) =>
      html`<tr>
        <td>${timeElement(decision.at, now)}</td>
        <td>${decision.decider}</td>
        <td>${decision.decision}</td>
        <td>v${decision.planVersion}</td>
        <td>${decision.via}${decision.authenticatedBy ? `, ${decision.authenticatedBy}` : ''}</td>
        <td>${decision.outcome}${decision.reason ? `: ${decision.reason}` : ''}</td>
        <td>${decision.comment ?? ''}</td>
      </tr>`,
  );
  const costs = audit.plans.flatMap(({ version, cost }) => {
    if (!cost) return [];
    const unpriced = unpricedNote(cost);
    return [
      html`<li>
        plan v${version}: monthly cost ${costSummary(cost)};
        ${pricesNote(cost)}${unpriced ? `; ${unpriced}` : ''}
      </li>`,
    ];
  });
  return html`<p>
      Policy ${audit.policy}; outcome: <strong>${audit.outcome ?? 'not decided yet'}</strong>;
      ${audit.plans.length} plan${audit.plans.length === 1 ? '' : 's'}.
    </p>
    ${
      costs.length > 0
        ? html`<ul class="plan-costs">
            ${costs}
          </ul>`
        : ''
    }
    <table aria-label="decisions">
      <thead>
        <tr>
          <th>When</th>
          <th>Who</th>
          <th>Decision</th>
          <th>Plan</th>
          <th>Via</th>
          <th>Counted</th>
          <th>Comment</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}
