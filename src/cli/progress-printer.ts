import { formatDuration } from '../shared/durations';
import type { RunbookProgress, StepProgress } from '../shared/runbook';
import { shellQuote } from '../shared/terminal-text';
import { safe } from './output';

type Write = (line: string) => void;

const MARK: Record<StepProgress['status'], string> = {
  pending: ' ',
  running: '…',
  completed: '✔',
  skipped: '-',
  failed: '✖',
  cancelled: '✖',
};

/** Formats one step as a progress line: `[4/8] ✔ Scale (replace the spec): spec.data.tier1.replicas=2 (1.2s)`. */
export function formatStep(step: StepProgress, index: number, total: number): string {
  const took =
    step.startedAt && step.endedAt
      ? ` (${formatDuration(Date.parse(step.endedAt) - Date.parse(step.startedAt))})`
      : '';
  const detail = step.detail ? safe`: ${step.detail}` : '';
  return (
    safe`[${index + 1}/${total}] ${MARK[step.status]} ${step.title}` +
    detail +
    (step.status === 'running' ? '' : took)
  );
}

/**
 * Prints what changed between two progress snapshots, one line per change, so the output reads
 * well in a terminal, a CI log or a pipe alike.
 */
export class ProgressPrinter {
  private readonly printed = new Map<string, string>();

  constructor(private readonly write: Write) {}

  update(progress: RunbookProgress): void {
    progress.steps.forEach((step, index) => {
      if (step.status === 'pending') return;
      const line = formatStep(step, index, progress.steps.length);
      if (this.printed.get(step.name) === line) return;
      this.printed.set(step.name, line);
      this.write(line);
    });
  }
}

/** A table-like summary of every step, for `imply-runbooks status`. */
export function formatProgress(progress: RunbookProgress): string[] {
  const header = [
    safe`runbook:   ${progress.kind} for ${progress.clusterName}` +
      (progress.clusterId ? safe` (${progress.clusterId})` : ''),
    safe`cluster:   ${progress.clusterState ?? '-'} at resource version ${progress.resourceVersion ?? '-'}`,
    safe`step:      ${progress.currentStep ?? progress.outcome ?? '-'}`,
    ...(progress.child
      ? [
          safe`child:     ${progress.child} runs this step (its steps: imply-runbooks status ${shellQuote(progress.child)})`,
        ]
      : []),
  ];
  return [...header, ...progress.steps.map((step, index) => formatStep(step, index, progress.steps.length))];
}
