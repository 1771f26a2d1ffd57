import type { FleetSummary } from './power';

const list = (names: string[], limit = 20) =>
  names.length <= limit
    ? names.join(', ')
    : `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;

/** The summary as people read it: one headline and one line per outcome with the why. Pure. */
export function fleetSummaryLines(summary: FleetSummary): string[] {
  const verb = summary.action === 'stop' ? 'stopped' : 'started';
  const run = summary.scheduleName ? `schedule ${summary.scheduleName}` : 'manual fleet run';
  const lines = [
    `${run} (${summary.action}): ${summary.done.length} ${verb}, ${summary.skipped.length} skipped, ` +
      `${summary.failed.length} failed, ${summary.notStarted.length} not started, of ${summary.selected} selected`,
  ];
  if (summary.aborted) lines.push(`aborted: ${summary.aborted}`);
  if (summary.done.length > 0) lines.push(`${verb}: ${list(summary.done)}`);
  for (const entry of summary.failed) lines.push(`failed ${entry.cluster}: ${entry.reason}`);
  for (const entry of summary.skipped) lines.push(`skipped ${entry.cluster}: ${entry.reason}`);
  if (summary.notStarted.length > 0) lines.push(`not started: ${list(summary.notStarted)}`);
  return lines;
}
