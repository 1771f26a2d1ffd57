import { shrinkModeOf } from '../shared/shrink';
import { formatTable } from '../shared/text-table';
import type { SchedulePreview } from './schedule-preview';

/** How `schedule preview` prints for people. Pure: returns text. */

function names(list: readonly string[], max = 6): string {
  if (list.length === 0) return '-';
  const shown = list.slice(0, max).join(', ');
  return list.length > max ? `${shown} +${list.length - max} more` : shown;
}

/** Every slot with its clusters, then the holidays skipped, then the forecast. Pure. */
export function formatSchedulePreview(preview: SchedulePreview): string {
  const lines = [
    `schedule ${preview.name} (${preview.timeZone}), ${preview.from.slice(0, 16)}Z to ${preview.to.slice(0, 16)}Z: ` +
      `${preview.slots.length} run(s)` +
      (preview.paused.length > 0 ? `; paused: ${preview.paused.join(', ')} (no runs shown for it)` : ''),
    '',
    formatTable(preview.slots, [
      { header: 'LOCAL TIME', value: (slot) => slot.local },
      { header: 'ACTION', value: (slot) => slot.shrink ?? slot.action },
      { header: 'CLUSTERS', value: (slot) => `${slot.acts.length}: ${names(slot.acts)}` },
      {
        header: 'LEFT ALONE',
        value: (slot) =>
          names(
            slot.skipped.map((entry) => `${entry.cluster} (${entry.reason})`),
            3,
          ),
      },
    ]).trimEnd(),
  ];
  lines.push('', preview.holidays.length > 0 ? 'Skipped for holidays:' : 'No holidays in the window.');
  for (const holiday of preview.holidays) {
    const actions = holiday.actions.map((action) => (preview.shrink ? shrinkModeOf(action) : action));
    lines.push(`  ${holiday.date}  ${holiday.label}  (no ${actions.join(' or ')})`);
  }
  const { forecast } = preview;
  lines.push(
    '',
    `Forecast: ${forecast.hoursStopped} cluster-hours ${preview.shrink ? `shrunk (${preview.shrink})` : 'stopped'}, ${forecast.saved.toFixed(2)} ${forecast.currency} saved` +
      (forecast.unpriced.length > 0 ? ` (no price for ${forecast.unpriced.join(', ')}: counted as 0)` : ''),
  );
  for (const row of forecast.clusters) {
    lines.push(`  ${row.cluster}: ${row.hoursStopped} h, ${row.saved.toFixed(2)} ${forecast.currency}`);
  }
  return `${lines.join('\n')}\n`;
}
