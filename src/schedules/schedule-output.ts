import { formatDuration } from '../shared/durations';
import { shrinkModeOf } from '../shared/shrink';
import type { PowerScheduleListing } from './schedule-service';
import type { PowerScheduleView, RecentRun } from './schedule-views';
import { formatTable } from '../shared/text-table';
import { formatLocal } from './time-zones';

/** How `schedule list` and `schedule describe` print for people. Pure: returns text. */

/** One line per action of each schedule, with its next run in the schedule's zone. Pure. */
export function formatScheduleList(listings: readonly PowerScheduleListing[]): string {
  const rows = listings.flatMap((listing) => listing.actions.map((action) => ({ listing, action })));
  return formatTable(rows, [
    { header: 'NAME', value: (row) => row.listing.name },
    { header: 'ACTION', value: (row) => row.action.shrink ?? row.action.action },
    { header: 'WHEN', value: (row) => row.action.when },
    { header: 'TIMEZONE', value: (row) => row.listing.timeZone },
    { header: 'SELECT', value: (row) => row.listing.select },
    { header: 'PAUSED', value: (row) => (row.action.paused ? 'yes' : 'no') },
    {
      header: 'NEXT RUN',
      value: (row) =>
        row.action.nextRun ? formatLocal(Date.parse(row.action.nextRun), row.listing.timeZone) : '',
    },
  ]);
}

/** The whole description: settings, then per action its state, next runs and recent runs. Pure. */
export function formatScheduleView(view: PowerScheduleView): string {
  const lines = [
    `schedule:    ${view.name}`,
    `environment: ${view.environment}`,
    `time zone:   ${view.timeZone}`,
    `clusters:    ${view.select}`,
    `skip dates:  ${view.skipDates.length > 0 ? view.skipDates.join(', ') : 'none'}`,
    `off-hours:   ${view.offHours ?? 'not enforced'}`,
    ...(view.shrink
      ? [
          `shrink:      ${view.shrink} at the stop slots, put back at the start slots (instead of stop and start)`,
        ]
      : []),
    `created by:  ${view.createdBy} at ${view.createdAt}`,
  ];
  for (const action of view.actions) {
    const does = view.shrink ? shrinkModeOf(action.action) : action.action;
    lines.push('', `${does.toUpperCase()} (${action.scheduleId}): ${action.when}`);
    lines.push(`  paused:          ${action.paused ? 'yes' : 'no'}${action.note ? ` (${action.note})` : ''}`);
    lines.push(
      `  catch-up window: ${formatDuration(action.catchupWindowMs)}; missed beyond it: ${action.missedCatchupWindow}`,
    );
    const daylightSaving = action.daylightSavingRuns;
    if (daylightSaving.length > 0) {
      const more = daylightSaving.length > 1 ? ` (and ${daylightSaving.length - 1} later years)` : '';
      lines.push(`  ${daylightSaving[0]}${more}`);
    }
    lines.push(`  next runs:       ${action.nextRuns.map((run) => run.local).join('; ') || 'none'}`);
    if (action.recentRuns.length === 0) {
      lines.push('  recent runs:     none yet');
      continue;
    }
    lines.push('  recent runs:');
    lines.push(...indent(formatRecentRuns(action.recentRuns)));
  }
  return `${lines.join('\n')}\n`;
}

function formatRecentRuns(runs: readonly RecentRun[]): string {
  return formatTable(runs, [
    { header: 'SCHEDULED', value: (run) => run.local },
    { header: 'STATUS', value: (run) => run.status },
    { header: 'OUTCOME', value: (run) => run.outcome },
    { header: 'DONE', value: (run) => run.done },
    { header: 'SKIPPED', value: (run) => run.skipped },
    { header: 'FAILED', value: (run) => run.failed },
    { header: 'LATE BY', value: (run) => (run.lateByMs === undefined ? '' : formatDuration(run.lateByMs)) },
    { header: 'NOTE', value: (run) => run.aborted ?? run.reason },
  ]);
}

function indent(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`);
}
