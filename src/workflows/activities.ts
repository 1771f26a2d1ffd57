import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../shared/failure-types';

/**
 * The two ways workflows call the Cloud Manager API. Reads retry quickly; changes may wait out a
 * busy cluster (409) or throttling within their step deadline. Bad requests (4xx) never retry.
 */
const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};

export const reads = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '10m',
  retry,
});

/** Reads that wait on the API for a while (the fleet's wait for its last stops): heartbeating, so a lost worker is noticed in seconds. */
export const waitingReads = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  scheduleToCloseTimeout: '10m',
  retry,
});

/** The options of `changes`, for a caller that needs them with one more setting (a cancellation type). */
export const CHANGE_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '20m',
  retry,
} as const;

export const changes = proxyActivities<Activities>(CHANGE_ACTIVITY_OPTIONS);

/**
 * Changes that give up at once on a busy cluster (409) instead of retrying: for a caller that acted
 * on a listing and would rather read the cluster and wait for it to settle, paced, than hammer it.
 */
export const changesUnlessBusy = proxyActivities<Activities>({
  ...CHANGE_ACTIVITY_OPTIONS,
  retry: { ...retry, nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES, FailureType.ClusterBusy] },
});
