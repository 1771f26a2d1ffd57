import { stepLine } from '../shared/step-line';
import type { RunbookProgress } from '../shared/runbook';
import { shellQuote } from '../shared/terminal-text';
import { safe } from './output';

type Write = (line: string) => void;

/** Formats one step as a progress line (the operations page shows the same): see stepLine. */
export const formatStep = stepLine;

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
