import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { ClusterSummary } from '../activities';
import { formatDuration } from '../shared/durations';
import { FailureType } from '../shared/failure-types';
import type { WaitOptions } from '../shared/runbook';
import { reads } from './activities';
import type { RunbookTracker } from './progress';

export const WAIT_DEFAULTS: Required<WaitOptions> = {
  transitionTimeoutMs: 60 * 60_000,
  pollInitialMs: 1_000,
  pollMaxMs: 60_000,
};

/**
 * Polls a cluster until it reaches one of `targets` (and at least `minResourceVersion`), with a
 * durable timer between polls that doubles up to a cap. Fails on FAILED or past the deadline.
 */
export async function waitForState(
  clusterId: string,
  targets: string[],
  tracker: RunbookTracker,
  options: WaitOptions & { minResourceVersion?: number } = {},
): Promise<ClusterSummary> {
  const { transitionTimeoutMs, pollInitialMs, pollMaxMs } = { ...WAIT_DEFAULTS, ...definedOnly(options) };
  const deadline = Date.now() + transitionTimeoutMs;
  let interval = pollInitialMs;
  for (let poll = 1; ; poll++) {
    const summary = await reads.getClusterSummary(clusterId);
    tracker.cluster({ resourceVersion: summary.resourceVersion, state: summary.state });
    const versionReached = summary.resourceVersion >= (options.minResourceVersion ?? 0);
    if (targets.includes(summary.state) && versionReached) return summary;
    if (summary.state === 'FAILED') {
      throw ApplicationFailure.create({
        type: FailureType.ClusterFailed,
        nonRetryable: true,
        message: `cluster ${clusterId} ended in FAILED while waiting for ${targets.join(' or ')}`,
      });
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw ApplicationFailure.create({
        type: FailureType.DeadlineExceeded,
        nonRetryable: true,
        message:
          `cluster ${clusterId} did not reach ${targets.join(' or ')} within ${formatDuration(transitionTimeoutMs)} ` +
          `(still ${summary.state})`,
      });
    }
    const delay = Math.min(interval, remaining);
    tracker.detail(
      `waiting for ${targets.join('/')}: ${summary.state} (poll ${poll}, next in ${formatDuration(delay)})`,
    );
    await sleep(delay);
    interval = Math.min(interval * 2, pollMaxMs);
  }
}

/** Polls until requests by the cluster's id answer 404, with the same backoff and deadline. */
export async function waitUntilGone(clusterId: string, tracker: RunbookTracker, options: WaitOptions = {}) {
  const { transitionTimeoutMs, pollInitialMs, pollMaxMs } = { ...WAIT_DEFAULTS, ...definedOnly(options) };
  const deadline = Date.now() + transitionTimeoutMs;
  let interval = pollInitialMs;
  for (let poll = 1; !(await reads.isClusterGone(clusterId)); poll++) {
    if (Date.now() >= deadline) {
      throw ApplicationFailure.create({
        type: FailureType.DeadlineExceeded,
        nonRetryable: true,
        message: `cluster ${clusterId} still answers after ${formatDuration(transitionTimeoutMs)} since its delete`,
      });
    }
    tracker.detail(`waiting for the id to answer 404 (poll ${poll})`);
    await sleep(Math.min(interval, deadline - Date.now()));
    interval = Math.min(interval * 2, pollMaxMs);
  }
  tracker.cluster({ state: 'DELETED' });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
