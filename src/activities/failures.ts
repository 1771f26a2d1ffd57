import { ApplicationFailure } from '@temporalio/activity';
import { CloudManagerError } from '../cloud-manager/errors';
import { FailureType } from '../shared/failure-types';

/**
 * Turns a client error into the ApplicationFailure Temporal retries (or not): the retry decision
 * made once in cloud-manager/errors.ts, `Retry-After` honoured through `nextRetryDelay`.
 */
export function toApplicationFailure(error: unknown): unknown {
  if (!(error instanceof CloudManagerError)) return error;
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    nonRetryable: !error.retryable,
    nextRetryDelay: error.retryAfterMs !== undefined ? Math.max(error.retryAfterMs, 1) : undefined,
    details: [error.toJSON()],
  });
}

/** Runs one Cloud Manager call, translating its failure for Temporal. */
export async function callApi<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toApplicationFailure(error);
  }
}

/** A non-retryable failure for a state no retry can change. */
export function permanentFailure(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : [] });
}

export { FailureType };
