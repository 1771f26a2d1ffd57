import { formatTable } from '../shared/text-table';
import type { SavingsReport } from './savings';

/** How `report savings` prints: tables for people, CSV for spreadsheets. Pure: returns text. */

const money = (value: number) => value.toFixed(2);
const hours = (value: number) => value.toFixed(1);

/** Clusters, then keep-alive charges per person, then totals. Pure. */
export function formatSavingsTable(report: SavingsReport, runsRead: number): string {
  const lines = [
    `Savings from ${report.since} to ${report.until} (${report.currency}; read ${runsRead} closed runbooks from Temporal visibility)`,
    '',
  ];
  if (report.clusters.length === 0) {
    lines.push(
      'No stopped hours in this period: no power runbook stopped a cluster (or their records are past retention).',
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    formatTable(report.clusters, [
      { header: 'CLUSTER', value: (row) => row.clusterName },
      { header: 'PER HOUR', value: (row) => money(row.hourlyPrice) },
      { header: 'HOURS STOPPED (SCHEDULE)', value: (row) => hours(row.hoursStoppedBySchedule) },
      { header: 'SAVED (SCHEDULE)', value: (row) => money(row.savedBySchedule) },
      { header: 'HOURS STOPPED (PEOPLE)', value: (row) => hours(row.hoursStoppedByPeople) },
      { header: 'SAVED (PEOPLE)', value: (row) => money(row.savedByPeople) },
      { header: 'KEPT ALIVE HOURS', value: (row) => hours(row.keptAliveHours) },
      { header: 'KEEP-ALIVE COST', value: (row) => money(row.keptAliveCost) },
    ]).trimEnd(),
  );
  const { totals } = report;
  lines.push(
    '',
    `Total saved by schedules: ${money(totals.savedBySchedule)} ${report.currency} over ${hours(totals.hoursStoppedBySchedule)} cluster-hours; ` +
      `by people's stops: ${money(totals.savedByPeople)}; keep-alive overrides cost ${money(totals.keptAliveCost)}`,
  );
  if (report.keepAlives.length > 0) {
    lines.push(
      '',
      'Keep-alive overrides (hours a schedule would have had the cluster stopped), charged to who set them:',
    );
    lines.push(
      formatTable(report.keepAlives, [
        { header: 'SET BY', value: (row) => row.setBy },
        { header: 'CLUSTER', value: (row) => row.clusterName },
        { header: 'OVERRIDES', value: (row) => row.overrides },
        { header: 'HOURS', value: (row) => hours(row.hours) },
        { header: 'COST', value: (row) => money(row.cost) },
      ]).trimEnd(),
    );
  }
  if (report.unpricedInstanceTypes.length > 0) {
    lines.push(
      '',
      `No price for ${report.unpricedInstanceTypes.join(', ')}: their hours count, their cost does not; add them with --prices <file>.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One row per cluster (`kind` cluster) and per keep-alive charge (`kind` keep-alive). Pure. */
export function formatSavingsCsv(report: SavingsReport): string {
  const header = [
    'kind',
    'cluster',
    'cluster_id',
    'hourly_price',
    'hours_stopped_by_schedule',
    'saved_by_schedule',
    'hours_stopped_by_people',
    'saved_by_people',
    'kept_alive_hours',
    'kept_alive_cost',
    'charged_to',
    'currency',
  ];
  const rows = report.clusters.map((row) => [
    'cluster',
    row.clusterName,
    row.clusterId ?? '',
    row.hourlyPrice,
    row.hoursStoppedBySchedule,
    row.savedBySchedule,
    row.hoursStoppedByPeople,
    row.savedByPeople,
    row.keptAliveHours,
    row.keptAliveCost,
    '',
    report.currency,
  ]);
  for (const charge of report.keepAlives) {
    rows.push([
      'keep-alive',
      charge.clusterName,
      '',
      '',
      '',
      '',
      '',
      '',
      charge.hours,
      charge.cost,
      charge.setBy,
      report.currency,
    ]);
  }
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function csvCell(value: unknown): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
