import { FLEET_DEFAULTS, type FleetInput } from './power';
import { requestProblem } from './change-policy';
import { isEmptySelector } from './selector';

/** A fleet run's limits with the defaults filled in. */
export interface FleetSettings {
  concurrency: number;
  requestsPerSecond: number;
  maxFailureShare: number;
  busyAttempts: number;
  busyDelayMs: number;
  historyBudget: number;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/**
 * Checks a fleet input and fills in its defaults; throws a message naming the field (and the CLI
 * flag) and the fix. Pure: the CLI calls it before starting, the workflow again as it starts.
 */
export function fleetSettings(input: FleetInput): FleetSettings {
  check(
    input.action === 'stop' || input.action === 'start',
    `action must be stop or start (got "${input.action}")`,
  );
  check(
    !isEmptySelector(input.selector ?? {}),
    'selector names no criterion and would pick every cluster: give tags, nameGlob or clusters (--select)',
  );
  check(
    typeof input.requester === 'string' && input.requester.trim() !== '',
    'requester must not be empty (--as)',
  );
  if (input.shrink !== undefined) {
    check(
      typeof input.scheduleName === 'string' && input.scheduleName !== '',
      'a shrink needs the schedule it belongs to (scheduleName): what to restore is remembered per schedule',
    );
    const problem = requestProblem({
      kind: 'scale',
      changes: input.shrink,
      requester: input.requester,
      source: 'schedule',
    });
    check(problem === undefined, `--shrink: ${problem ?? ''}`);
  }
  const settings: FleetSettings = {
    concurrency: input.concurrency ?? FLEET_DEFAULTS.concurrency,
    requestsPerSecond: input.requestsPerSecond ?? FLEET_DEFAULTS.requestsPerSecond,
    maxFailureShare: input.maxFailureShare ?? FLEET_DEFAULTS.maxFailureShare,
    busyAttempts: input.busyRetry?.attempts ?? FLEET_DEFAULTS.busyAttempts,
    busyDelayMs: input.busyRetry?.delayMs ?? FLEET_DEFAULTS.busyDelayMs,
    historyBudget: input.historyBudget ?? FLEET_DEFAULTS.historyBudget,
  };
  check(
    Number.isInteger(settings.concurrency) && settings.concurrency >= 1,
    `concurrency must be a whole number of at least 1 (--concurrency; got ${settings.concurrency})`,
  );
  check(
    Number.isFinite(settings.requestsPerSecond) && settings.requestsPerSecond > 0,
    `requestsPerSecond must be more than 0 (--rate; got ${settings.requestsPerSecond})`,
  );
  check(
    Number.isFinite(settings.maxFailureShare) &&
      settings.maxFailureShare >= 0 &&
      settings.maxFailureShare <= 1,
    `maxFailureShare must be between 0 and 1, e.g. 0.3 (--max-failure-share; got ${settings.maxFailureShare})`,
  );
  check(
    Number.isInteger(settings.busyAttempts) && settings.busyAttempts >= 1 && settings.busyDelayMs >= 0,
    'busyRetry needs attempts of at least 1 and a delayMs of 0 or more',
  );
  check(
    Number.isInteger(settings.historyBudget) &&
      settings.historyBudget >= 200 &&
      settings.historyBudget <= 40_000,
    `historyBudget must be a whole number of events from 200 to 40000 (got ${settings.historyBudget})`,
  );
  return settings;
}
