import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/** The failure inside activity and child-workflow failures, whose own messages say nothing. */
function innermost(error: unknown): unknown {
  let cause = error;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause) {
    cause = cause.cause;
  }
  return cause;
}

/** A failed activity's or child runbook's own message ("Activity task failed" says nothing), or the error's. */
export function failureText(error: unknown): string {
  const cause = innermost(error);
  return cause instanceof Error ? cause.message : String(cause);
}

/** The failure type of an error or of the activity or child failure around it. */
export function failureType(error: unknown): string | undefined {
  const cause = innermost(error);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
