import { ApplicationFailure } from '@temporalio/workflow';
import type { PlannedChange } from '../activities';
import type { ChangeRequest } from '../shared/change';
import { jsonEqual, valueAt } from '../shared/spec-changes';
import { reads } from './activities';

/** Verification of a change, and how its failures read: shared by the change pipeline and its rollback. */

export const VERIFICATION_FAILED = 'VerificationFailed';

/** The first leaf of `expected` that `actual` does not hold, as `path is X, expected Y`. */
function firstDifference(actual: unknown, expected: unknown, path: string): string | undefined {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      const found = firstDifference(valueAt(actual, key), value, path ? `${path}.${key}` : key);
      if (found) return found;
    }
    return undefined;
  }
  if (jsonEqual(actual, expected)) return undefined;
  return `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

/**
 * The API holds the approved request, the resource version went up by exactly one, and the history
 * entry before it is the configuration the plan was made against. Upgrade: the version it reports.
 */
export async function verifyChange(clusterId: string, planned: PlannedChange, kind: ChangeRequest['kind']) {
  const { config, summary } = await reads.getClusterConfig(clusterId);
  const fail = (message: string) =>
    ApplicationFailure.create({ type: VERIFICATION_FAILED, nonRetryable: true, message });
  const before = planned.plan.resourceVersion;
  if (summary.resourceVersion !== before + 1) {
    throw fail(
      `resource version is ${summary.resourceVersion}, expected ${before + 1} (one change after ${before})`,
    );
  }
  const wanted = planned.request?.spec.version;
  if (kind === 'upgrade' && config.spec.version !== wanted) {
    throw fail(`the cluster reports version ${String(config.spec.version)}, expected ${wanted}`);
  }
  const difference = firstDifference(config, planned.request, '');
  if (difference) throw fail(`the API does not hold the approved change: ${difference}`);
  const previous = await reads.getClusterVersion(clusterId, before);
  if (!jsonEqual(previous, planned.before)) {
    throw fail(`history/${before} does not match the configuration read before the change`);
  }
  return { before, after: summary.resourceVersion };
}
