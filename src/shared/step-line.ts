import { formatDuration } from './durations';
import type { StepProgress } from './runbook';
import { escapeControlCharacters } from './terminal-text';

/** How a step's status shows at the start of its line, in the CLI and on the operations page alike. */
const MARK: Record<StepProgress['status'], string> = {
  pending: ' ',
  running: '…',
  completed: '✔',
  skipped: '-',
  failed: '✖',
  cancelled: '✖',
};

/**
 * One step as a progress line: `[4/8] ✔ Scale (replace the spec): spec.data.tier1.replicas=2 (1.2s)`,
 * the time taken once it has ended; title and detail with control characters escaped. Pure.
 */
export function stepLine(step: StepProgress, index: number, total: number): string {
  const took =
    step.startedAt && step.endedAt && step.status !== 'running'
      ? ` (${formatDuration(Date.parse(step.endedAt) - Date.parse(step.startedAt))})`
      : '';
  const detail = step.detail ? `: ${escapeControlCharacters(step.detail)}` : '';
  return `[${index + 1}/${total}] ${MARK[step.status]} ${escapeControlCharacters(step.title)}${detail}${took}`;
}
