/** Types for scripts/tap-summary.js (plain Node, so the test runner needs no compiler). */
export interface TapCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Why failures were counted that Node's own totals did not show. */
  notes: string[];
}
export function summarizeTap(text: string, exitCode: number): TapCounts;
export function formatSummary(counts: TapCounts): string;
