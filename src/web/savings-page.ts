import type { IncomingMessage, ServerResponse } from 'node:http';
import { computeSavings, type SavingsReport } from '../schedules/savings';
import { readSavingsEvents } from '../schedules/savings-source';
import type { SavingsEvent } from '../schedules/savings-events';
import type { PriceTable } from '../config/prices';
import { formatMoney } from '../shared/cost';
import { html, type SafeHtml } from './html';
import { operationsOf, operationsViewer, sendOperationsPage, takeFlash } from './operations-routes';
import type { RouteContext } from './routes';

/**
 * GET /savings: the savings report (`report savings`) of the last 30 days as an inline SVG chart of
 * hours stopped and money saved per day, drawn on the server (no script), with the tables beneath.
 */

const DAYS = 30;
const DAY_MS = 86_400_000;

export interface SavingsDay {
  date: string;
  hoursStopped: number;
  saved: number;
}

/** The report of each UTC day of the window, from the same events and the same pure computation. Pure. */
export function savingsByDay(
  events: readonly SavingsEvent[],
  prices: PriceTable,
  untilMs: number,
  days = DAYS,
): SavingsDay[] {
  const lastDay = Math.floor(untilMs / DAY_MS) * DAY_MS;
  return Array.from({ length: days }, (_, index) => {
    const fromMs = lastDay - (days - 1 - index) * DAY_MS;
    const window = {
      since: new Date(fromMs).toISOString(),
      until: new Date(Math.min(fromMs + DAY_MS, untilMs)).toISOString(),
    };
    const { totals } = computeSavings(events, prices, window);
    return {
      date: window.since.slice(0, 10),
      hoursStopped: totals.hoursStoppedBySchedule + totals.hoursStoppedByPeople,
      saved: totals.savedBySchedule + totals.savedByPeople,
    };
  });
}

/** Two bars a day, hours stopped and money saved, each scaled to its own maximum. Pure. */
export function renderSavingsChart(days: SavingsDay[], currency: string): SafeHtml {
  const width = 900;
  const height = 220;
  const top = 10;
  const bottom = 40;
  const slot = width / days.length;
  const maxHours = Math.max(1, ...days.map((day) => day.hoursStopped));
  const maxSaved = Math.max(1, ...days.map((day) => day.saved));
  const plot = height - top - bottom;
  const bars = days.map((day, index) => {
    const x = index * slot;
    const hoursHeight = (day.hoursStopped / maxHours) * plot;
    const savedHeight = (day.saved / maxSaved) * plot;
    const label = `${day.date}: ${day.hoursStopped.toFixed(1)} h stopped, ${formatMoney(currency, day.saved)} saved`;
    return html`<g
      ><title>${label}</title>
      <rect
        x="${(x + slot * 0.1).toFixed(1)}"
        y="${(top + plot - hoursHeight).toFixed(1)}"
        width="${(slot * 0.38).toFixed(1)}"
        height="${hoursHeight.toFixed(1)}"
        fill="#2f5bd3"
      />
      <rect
        x="${(x + slot * 0.52).toFixed(1)}"
        y="${(top + plot - savedHeight).toFixed(1)}"
        width="${(slot * 0.38).toFixed(1)}"
        height="${savedHeight.toFixed(1)}"
        fill="#1d7a46"
      />
      ${index % 5 === 0 ? html`<text x="${x.toFixed(1)}" y="${height - 22}" font-size="11" fill="#5b6478">${day.date.slice(5)}</text>` : ''}
    </g>`;
  });
  return html`<svg
    class="chart"
    role="img"
    viewBox="0 0 ${width} ${height}"
    width="100%"
    aria-labelledby="savings-chart-title"
  >
    <title id="savings-chart-title">
      Hours stopped (blue, up to ${maxHours.toFixed(1)} h) and money saved (green, up to
      ${formatMoney(currency, maxSaved)}) per day over ${days.length} days
    </title>
    <line x1="0" y1="${top + plot}" x2="${width}" y2="${top + plot}" stroke="#d9dde6" />
    ${bars}
    <text x="0" y="${height - 4}" font-size="12" fill="#2f5bd3">
      ■ hours stopped (max ${maxHours.toFixed(1)} h)
    </text>
    <text x="260" y="${height - 4}" font-size="12" fill="#1d7a46">
      ■ saved (max ${formatMoney(currency, maxSaved)})
    </text>
  </svg>`;
}

function clusterTable(report: SavingsReport): SafeHtml {
  const money = (amount: number) => formatMoney(report.currency, amount);
  if (report.clusters.length === 0)
    return html`<p class="muted">No cluster was stopped in these ${DAYS} days.</p>`;
  return html`<table class="savings">
    <thead>
      <tr>
        <th scope="col">Cluster</th>
        <th scope="col">Hours stopped by schedule</th>
        <th scope="col">Saved by schedule</th>
        <th scope="col">Hours stopped by people</th>
        <th scope="col">Saved by people</th>
        <th scope="col">Kept alive (h)</th>
        <th scope="col">Keep-alive cost</th>
      </tr>
    </thead>
    <tbody>
      ${report.clusters.map(
        (row) =>
          html`<tr>
            <th scope="row">${row.clusterName}</th>
            <td>${row.hoursStoppedBySchedule}</td>
            <td>${money(row.savedBySchedule)}</td>
            <td>${row.hoursStoppedByPeople}</td>
            <td>${money(row.savedByPeople)}</td>
            <td>${row.keptAliveHours}</td>
            <td>${money(row.keptAliveCost)}</td>
          </tr>`,
      )}
    </tbody>
    <tfoot>
      <tr>
        <th scope="row">Total</th>
        <td>${report.totals.hoursStoppedBySchedule}</td>
        <td>${money(report.totals.savedBySchedule)}</td>
        <td>${report.totals.hoursStoppedByPeople}</td>
        <td>${money(report.totals.savedByPeople)}</td>
        <td>${report.totals.keptAliveHours}</td>
        <td>${money(report.totals.keptAliveCost)}</td>
      </tr>
    </tfoot>
  </table>`;
}

/** GET /savings. Read-only. */
export async function savingsPage(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  url: URL,
) {
  const viewer = operationsViewer(request, response, context, url);
  const operations = operationsOf(context);
  const untilMs = context.now().getTime();
  const sinceMs = untilMs - DAYS * DAY_MS;
  const source = await readSavingsEvents(operations.client, sinceMs);
  const window = { since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString() };
  const report = computeSavings(source.events, operations.prices, window);
  const days = savingsByDay(source.events, operations.prices, untilMs);
  const body = html`<h1>Savings: the last ${DAYS} days</h1>
    <p class="muted">
      From ${source.runsRead} closed power and fleet runbooks, priced by the ${report.currency} table (as
      <code>imply-runbooks report savings</code>).
    </p>
    ${renderSavingsChart(days, report.currency)}
    <h2>Per cluster</h2>
    ${clusterTable(report)}
    ${report.unpricedInstanceTypes.length > 0 ? html`<p class="note">No price for ${report.unpricedInstanceTypes.join(', ')}: their hours count, their cost does not.</p>` : ''}`;
  sendOperationsPage(response, {
    title: 'Savings',
    user: viewer.user,
    flash: takeFlash(request, context),
    body,
  });
}
