import type { IncomingMessage, ServerResponse } from 'node:http';
import { html, type SafeHtml } from './html';
import { WebProblem } from './http-io';
import { operationsOf, operationsViewer, sendOperationsPage, takeFlash } from './operations-routes';
import { localTime, stepLine, type OperationsViewer } from './operations-views';
import type { RouteContext } from './routes';
import { readRunbooks, type RunbookRow } from './runbooks-source';

/** GET /runbooks: in flight and recent, with live steps, outcome, who started them and a Temporal UI link. */

function progressCell(row: RunbookRow): SafeHtml {
  if (row.progressProblem) return html`<span class="muted">steps unreadable: ${row.progressProblem}</span>`;
  const progress = row.progress;
  if (!progress) return html`<span class="muted">—</span>`;
  const steps = progress.steps;
  const shown = steps.filter((step) => step.status !== 'pending');
  return html`<ol class="steps">
      ${shown.map((step) => html`<li class="step-${step.status}">${stepLine(step, steps.indexOf(step), steps.length)}</li>`)}
    </ol>
    ${progress.clusterState ? html`<span class="muted">cluster ${progress.clusterState}</span>` : ''}`;
}

function runbookRow(row: RunbookRow, viewer: OperationsViewer, link?: string): SafeHtml {
  const outcome =
    row.progress?.outcome ?? (row.status === 'RUNNING' ? 'in flight' : row.status.toLowerCase());
  return html`<tr data-runbook="${row.runbookId}">
    <th scope="row">
      <code>${row.runbookId}</code
      >${row.environment ? html`<br /><span class="muted">${row.environment}</span>` : ''}
    </th>
    <td>${row.kind}</td>
    <td>${row.cluster ?? '—'}</td>
    <td class="outcome">${outcome}</td>
    <td>${progressCell(row)}</td>
    <td>${row.startedBy ?? html`<span class="muted">not recorded</span>`}</td>
    <td>${row.startedAt ? localTime(row.startedAt, viewer.timeZone) : '—'}</td>
    <td>
      ${link ? html`<a href="${link}" rel="noreferrer">Temporal UI</a>` : html`<span class="muted">—</span>`}
    </td>
  </tr>`;
}

/** Renders the runbooks table. Pure. */
export function renderRunbooks(
  rows: RunbookRow[],
  viewer: OperationsViewer,
  uiLink?: (id: string) => string | undefined,
): SafeHtml {
  const running = rows.filter((row) => row.status === 'RUNNING');
  const recent = rows.filter((row) => row.status !== 'RUNNING');
  const table = (list: RunbookRow[], caption: string) =>
    list.length === 0
      ? html`<p class="muted">None ${caption}.</p>`
      : html`<table class="runbooks">
          <thead>
            <tr>
              <th scope="col">Runbook</th>
              <th scope="col">Kind</th>
              <th scope="col">Cluster</th>
              <th scope="col">Outcome</th>
              <th scope="col">Steps</th>
              <th scope="col">Started by</th>
              <th scope="col">Started (${viewer.timeZone})</th>
              <th scope="col">Link</th>
            </tr>
          </thead>
          <tbody>
            ${list.map((row) => runbookRow(row, viewer, uiLink?.(row.runbookId)))}
          </tbody>
        </table>`;
  return html`<h2>In flight</h2>
    ${table(running, 'in flight')}
    <h2>Recent</h2>
    ${table(recent, 'recently')}`;
}

/** The runbook ids this product makes: `change:<uid>`, `keepalive:<uid>`, `lifecycle:<env>:<name>`, … */
const RUNBOOK_ID = /^[A-Za-z0-9._:@/-]{1,300}$/;

/** GET /runbooks (and ?runbook=<id> for one). Read-only. */
export async function runbooksPage(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  url: URL,
) {
  const viewer = operationsViewer(request, response, context, url);
  const operations = operationsOf(context);
  const runbookId = url.searchParams.get('runbook')?.trim() || undefined;
  if (runbookId !== undefined && !RUNBOOK_ID.test(runbookId)) {
    throw new WebProblem(400, 'Bad address', 'The runbook parameter is not a runbook id.');
  }
  const rows = await readRunbooks({
    client: operations.client,
    baseTaskQueue: operations.baseTaskQueue,
    ...(runbookId ? { runbookId } : {}),
  });
  const body = html`<h1>Runbooks${runbookId ? html`: <code>${runbookId}</code>` : ''}</h1>
    ${runbookId ? html`<p><a href="/runbooks">All runbooks</a></p>` : ''}
    <div data-live="runbooks" aria-live="polite">${renderRunbooks(rows, viewer, operations.uiLink)}</div>`;
  sendOperationsPage(response, {
    title: 'Runbooks',
    user: viewer.user,
    flash: takeFlash(request, context),
    body,
  });
}
