/**
 * How a followed runbook ended: completed with its result (typed by the runbook the caller started),
 * or failed, cancelled, terminated or timed out with Temporal's message.
 */
export type RunbookEnd<Result = unknown> =
  | { outcome: 'completed'; result: Result }
  | { outcome: 'failed' | 'cancelled' | 'terminated' | 'timed out'; message: string };
