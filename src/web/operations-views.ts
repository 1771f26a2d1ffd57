import { formatMoney } from '../shared/cost';
import { html, type SafeHtml } from './html';
import type { ClusterFilters, ClusterRow, ClusterSlot, ClustersView } from './operations-source';

/** The clusters view of the operations page: filters, one row per cluster, and its buttons. Pure. */

export interface OperationsViewer {
  user: string;
  csrfToken: string;
  /** Whether the viewer may press the buttons (operator or approver). */
  mayOperate: boolean;
  /** The viewer's time zone (`?tz=`), UTC by default. */
  timeZone: string;
  now: Date;
}

/** `Mon 7 Dec 19:00` in a time zone. Pure. */
export function localTime(at: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(at));
}

/** A time in the viewer's zone, and in another zone when that differs. Pure. */
export function twoZones(at: string, viewerZone: string, otherZone: string): SafeHtml {
  const viewer = html`<time datetime="${at}">${localTime(at, viewerZone)} ${viewerZone}</time>`;
  if (otherZone === viewerZone) return viewer;
  return html`${viewer} <span class="muted">(${localTime(at, otherZone)} ${otherZone})</span>`;
}

function slotCell(slots: ClusterSlot[], viewer: OperationsViewer): SafeHtml {
  if (slots.length === 0) return html`<span class="muted">no schedule</span>`;
  return html`${slots.map(
    (entry) =>
      html`<div class="slot">
        <strong>${entry.schedule}</strong>: ${entry.skipped ? html`<span class="note">skips</span>` : ''}
        ${entry.slot.action} ${twoZones(entry.slot.at, viewer.timeZone, entry.timeZone)}
        ${entry.skipped ? html`<br /><span class="muted">${entry.skipped}</span>` : ''}
      </div>`,
  )}`;
}

function keepAliveCell(row: ClusterRow, viewer: OperationsViewer): SafeHtml {
  const keepAlive = row.keepAlive;
  if (!keepAlive) return html`<span class="muted">—</span>`;
  return html`<span class="keep-alive"
      >until ${localTime(keepAlive.until, viewer.timeZone)} ${viewer.timeZone}</span
    >
    <br /><span class="muted">by ${keepAlive.setBy}: ${keepAlive.reason}</span>`;
}

function actingCell(row: ClusterRow): SafeHtml {
  if (!row.acting) return html`<span class="muted">—</span>`;
  const href = `/runbooks?runbook=${encodeURIComponent(row.acting.runbookId)}`;
  return html`<a href="${href}">${row.acting.kind}</a
    >${row.acting.step ? html`<br /><code>${row.acting.step}</code>` : ''}`;
}

function clusterPath(row: ClusterRow, action: string): string {
  return `/clusters/${encodeURIComponent(row.environment)}/${encodeURIComponent(row.id)}/${action}`;
}

function buttons(row: ClusterRow, viewer: OperationsViewer): SafeHtml {
  if (!viewer.mayOperate) return html``;
  const busy = row.acting !== undefined;
  const power = row.state === 'RUNNING' ? 'stop' : row.state === 'STOPPED' ? 'start' : undefined;
  const powerForm = power
    ? html`<form method="post" action="${clusterPath(row, 'power')}" class="inline">
        <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
        <input type="hidden" name="action" value="${power}" />
        <button
          type="submit"
          class="${power}"
          ${busy ? html`disabled` : ''}
          aria-label="${power === 'stop' ? 'Stop' : 'Start'} ${row.name}"
        >
          ${power === 'stop' ? 'Stop' : 'Start'}
        </button>
      </form>`
    : '';
  const keepAliveForm = row.keepAlive
    ? ''
    : html`<details class="keep-alive-form">
        <summary>Keep alive…</summary>
        <form method="post" action="${clusterPath(row, 'keep-alive')}">
          <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
          <input type="hidden" name="tz" value="${viewer.timeZone}" />
          <fieldset>
            <legend>Keep ${row.name} up</legend>
            <label><input type="radio" name="preset" value="2h" checked /> 2 h</label>
            <label><input type="radio" name="preset" value="4h" /> 4 h</label>
            <label
              ><input type="radio" name="preset" value="tomorrow-09" /> until tomorrow 09:00
              ${viewer.timeZone}</label
            >
          </fieldset>
          <label>Reason <input type="text" name="reason" required maxlength="500" /></label>
          <button type="submit" class="keep">Keep alive</button>
        </form>
      </details>`;
  return html`${powerForm}${keepAliveForm}`;
}

function clusterRow(row: ClusterRow, viewer: OperationsViewer, currency: string): SafeHtml {
  const tags = Object.entries(row.tags).map(([key, value]) => html`<code>${key}=${value}</code> `);
  return html`<tr data-cluster="${row.name}">
    <th scope="row">
      ${row.name}<br /><span class="muted">${row.environment} · <code>${row.id}</code></span>
    </th>
    <td>
      <span class="state state-${row.state.toLowerCase()}">${row.state}</span><br /><span class="muted"
        >rv ${row.resourceVersion ?? '—'}</span
      >
    </td>
    <td>${row.nodes}</td>
    <td>${tags}</td>
    <td class="next">${slotCell(row.slots, viewer)}</td>
    <td>${keepAliveCell(row, viewer)}</td>
    <td class="acting">${actingCell(row)}</td>
    <td>
      ${row.monthlyCost === undefined ? html`<span class="muted">unpriced</span>` : formatMoney(currency, row.monthlyCost)}
    </td>
    ${viewer.mayOperate ? html`<td class="buttons">${buttons(row, viewer)}</td>` : ''}
  </tr>`;
}

function options(values: string[], selected: string | undefined): SafeHtml[] {
  return values.map(
    (value) => html`<option value="${value}" ${value === selected ? html`selected` : ''}>${value}</option>`,
  );
}

/** One filter: a labelled select whose first option (`all`, `any`) filters nothing. Pure. */
function filterSelect(
  label: string,
  name: string,
  none: string,
  values: string[],
  selected: string | undefined,
): SafeHtml {
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">${none}</option>
      ${options(values, selected)}
    </select></label
  >`;
}

/** The GET form of the filters; submitting reloads the page with them in the query string. Pure. */
export function renderFilters(
  view: ClustersView,
  filters: ClusterFilters,
  environments: string[],
  timeZone: string,
): SafeHtml {
  const states = [...new Set(view.rows.map((row) => row.state))].sort();
  const tags = [
    ...new Set(view.rows.flatMap((row) => Object.entries(row.tags).map(([k, v]) => `${k}=${v}`))),
  ].sort();
  return html`<form method="get" action="/clusters" class="filters">
    ${filterSelect('Environment', 'environment', 'all', environments, filters.environment)}
    ${filterSelect('Tag', 'tag', 'any', tags, filters.tag)}
    ${filterSelect('State', 'state', 'any', states, filters.state)}
    <label>Time zone <input type="text" name="tz" value="${timeZone}" size="16" /></label>
    <button type="submit" class="filter">Filter</button>
  </form>`;
}

/** The clusters table (the part the page refreshes). Pure. */
export function renderClustersTable(
  rows: ClusterRow[],
  view: ClustersView,
  viewer: OperationsViewer,
): SafeHtml {
  const problems = view.problems.map(
    (entry) =>
      html`<p class="problem">Cannot list the clusters of ${entry.environment}: ${entry.problem}</p>`,
  );
  if (rows.length === 0)
    return html`${problems}
      <p class="muted">No cluster matches.</p>`;
  return html`${problems}
    <table class="clusters">
      <caption class="muted">
        ${rows.length} clusters · monthly cost while running (${view.currency}) · times in ${viewer.timeZone}
      </caption>
      <thead>
        <tr>
          <th scope="col">Cluster</th>
          <th scope="col">State</th>
          <th scope="col">Instances</th>
          <th scope="col">Tags</th>
          <th scope="col">Next scheduled</th>
          <th scope="col">Keep-alive</th>
          <th scope="col">Runbook now</th>
          <th scope="col">Per month</th>
          ${viewer.mayOperate ? html`<th scope="col">Actions</th>` : ''}
        </tr>
      </thead>
      <tbody>
        ${rows.map((row) => clusterRow(row, viewer, view.currency))}
      </tbody>
    </table>`;
}

export { stepLine } from '../shared/step-line';
