import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** A failed activity's own message ("Activity task failed" says nothing), or the error's. */
export function failureText(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The failure type of an error or of the activity failure around it. */
export function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
