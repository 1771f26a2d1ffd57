import { ApplicationFailure, patched, sleep } from '@temporalio/workflow';
import type { ClusterSummary } from '../activities';
import { describeState, isInProgress } from '../shared/cluster-states';
import { formatDuration } from '../shared/durations';
import { FailureType } from '../shared/failure-types';
import type { WaitOptions } from '../shared/runbook';
import { reads } from './activities';
import type { RunbookTracker } from './progress';

export const WAIT_DEFAULTS: Required<Omit<WaitOptions, 'settleMs'>> = {
  transitionTimeoutMs: 60 * 60_000,
  pollInitialMs: 1_000,
  pollMaxMs: 60_000,
};

/** Patch id: waits after a PUT confirm the change took effect (see `tookEffect`). */
export const CONFIRM_TOOK_EFFECT_PATCH = 'wait-confirms-change-took-effect';

/**
 * Polls a cluster until it reaches one of `targets` (and at least `minResourceVersion`), with a
 * durable timer between polls that doubles up to a cap. Fails on FAILED or past the deadline, naming
 * the state last seen and for how long. A state name we do not know is a transition in progress.
 *
 * After a PUT (`minResourceVersion` given) an accepted change may show late: the cluster can look
 * settled at its new version before its transition begins. Reaching the target then counts only
 * once the change took effect: a transition was seen since the request, or the target state at the
 * same version was seen again `settleMs` later.
 */
export async function waitForState(
  clusterId: string,
  targets: readonly string[],
  tracker: RunbookTracker,
  options: WaitOptions & { minResourceVersion?: number } = {},
): Promise<ClusterSummary> {
  const { transitionTimeoutMs, pollInitialMs, pollMaxMs } = { ...WAIT_DEFAULTS, ...definedOnly(options) };
  const confirm = options.minResourceVersion !== undefined && patched(CONFIRM_TOOK_EFFECT_PATCH);
  const settleMs = options.settleMs ?? Math.min(pollMaxMs, 30_000);
  const startedAt = Date.now();
  const deadline = startedAt + transitionTimeoutMs;
  const seen = { state: '', since: startedAt, polls: 0, transition: false };
  let settledAt: { at: number; resourceVersion: number } | undefined;
  let interval = pollInitialMs;
  for (let poll = 1; ; poll++) {
    const summary = await reads.getClusterSummary(clusterId);
    tracker.cluster({ resourceVersion: summary.resourceVersion, state: summary.state });
    if (summary.state !== seen.state)
      Object.assign(seen, { state: summary.state, since: Date.now(), polls: 0 });
    seen.polls += 1;
    if (isInProgress(summary.state)) seen.transition = true;
    const versionReached = summary.resourceVersion >= (options.minResourceVersion ?? 0);
    if (targets.includes(summary.state) && versionReached) {
      if (!confirm || seen.transition) return summary;
      if (settledAt && settledAt.resourceVersion === summary.resourceVersion) {
        if (Date.now() - settledAt.at >= settleMs) return summary;
      } else settledAt = { at: Date.now(), resourceVersion: summary.resourceVersion };
    } else settledAt = undefined;
    if (summary.state === 'FAILED') {
      throw ApplicationFailure.create({
        type: FailureType.ClusterFailed,
        nonRetryable: true,
        message: `cluster ${clusterId} ended in FAILED while waiting for ${targets.join(' or ')}`,
      });
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw missedDeadline(clusterId, targets, transitionTimeoutMs, seen);
    const delay = Math.min(settledAt ? Math.max(interval, settleMs) : interval, remaining);
    const what = settledAt
      ? `${summary.state} at resource version ${summary.resourceVersion} with no transition seen yet: checking again in ${formatDuration(delay)} that the change took effect`
      : `${describeState(summary.state)} (poll ${poll}, next in ${formatDuration(delay)})`;
    tracker.detail(`waiting for ${targets.join('/')}: ${what}`);
    await sleep(delay);
    interval = Math.min(interval * 2, pollMaxMs);
  }
}

function missedDeadline(
  clusterId: string,
  targets: readonly string[],
  timeoutMs: number,
  seen: { state: string; since: number; polls: number },
): ApplicationFailure {
  const lasted = formatDuration(Math.max(0, Date.now() - seen.since));
  return ApplicationFailure.create({
    type: FailureType.DeadlineExceeded,
    nonRetryable: true,
    message:
      `cluster ${clusterId} did not reach ${targets.join(' or ')} within ${formatDuration(timeoutMs)}: ` +
      `still ${describeState(seen.state)}, seen for ${lasted} on ${seen.polls} poll${seen.polls === 1 ? '' : 's'}`,
  });
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
