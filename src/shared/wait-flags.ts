import { formatDuration, parseDuration } from './durations';
import type { WaitOptions } from './steps';

/**
 * The wait flags every runbook start takes (`--transition-timeout`, `--poll-initial`, `--poll-max`,
 * `--stop-after`, `--delete-after`, `--stop-at`), checked before anything starts: positive, at most
 * the documented maximum, the first poll interval no longer than the longest. Pure.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The longest each wait flag accepts (documented in `--help` and the README). */
export const WAIT_LIMITS_MS = {
  '--transition-timeout': DAY,
  '--poll-initial': HOUR,
  '--poll-max': HOUR,
  '--stop-after': 30 * DAY,
  '--delete-after': 30 * DAY,
  '--stop-at': 30 * DAY,
} as const;

export type WaitFlag = keyof typeof WAIT_LIMITS_MS;

/** The runbooks' own defaults (WAIT_DEFAULTS in workflows/cluster-steps.ts), to check one flag against the other. */
const DEFAULT_POLL_INITIAL_MS = 1_000;
const DEFAULT_POLL_MAX_MS = 60_000;

export interface WaitFlags {
  transitionTimeout?: string;
  pollInitial?: string;
  pollMax?: string;
}

/** `text` as milliseconds, refused naming the flag unless it is above zero and at most the flag's maximum. */
export function parseWaitFlag(text: string, flag: WaitFlag): number {
  const ms = parseDuration(text, flag);
  const max = WAIT_LIMITS_MS[flag];
  if (ms <= 0) throw new Error(`${flag} "${text}" must be longer than zero: give for example 30s, 10m or 1h`);
  if (ms > max)
    throw new Error(
      `${flag} "${text}" is longer than the maximum of ${formatDuration(max)}: give at most ${formatDuration(max)}`,
    );
  return ms;
}

/** The waits the flags ask for, undefined when none; refuses a first poll interval longer than the longest. */
export function waitFromFlags(flags: WaitFlags): WaitOptions | undefined {
  const wait: WaitOptions = {};
  if (flags.transitionTimeout)
    wait.transitionTimeoutMs = parseWaitFlag(flags.transitionTimeout, '--transition-timeout');
  if (flags.pollInitial) wait.pollInitialMs = parseWaitFlag(flags.pollInitial, '--poll-initial');
  if (flags.pollMax) wait.pollMaxMs = parseWaitFlag(flags.pollMax, '--poll-max');
  const initial = wait.pollInitialMs ?? DEFAULT_POLL_INITIAL_MS;
  const longest = wait.pollMaxMs ?? DEFAULT_POLL_MAX_MS;
  if (initial > longest) {
    const initialText = flags.pollInitial ?? `${formatDuration(initial)} (default)`;
    const longestText = flags.pollMax ?? `${formatDuration(longest)} (default)`;
    throw new Error(
      `--poll-initial ${initialText} is longer than --poll-max ${longestText}: the first poll interval ` +
        'doubles up to the longest, so give --poll-initial at most --poll-max',
    );
  }
  return Object.keys(wait).length > 0 ? wait : undefined;
}

/** `--stop-at`: an ISO time in the future, at most 30 days from `now`. Returns it normalised. */
export function parseStopAt(text: string, now: number): string {
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    throw new Error(`--stop-at "${text}" is not an ISO time: write for example 2026-12-01T19:00:00Z`);
  }
  if (at <= now) throw new Error(`--stop-at ${text} is in the past: give a time in the future`);
  const max = WAIT_LIMITS_MS['--stop-at'];
  if (at - now > max) {
    throw new Error(
      `--stop-at ${text} is more than ${formatDuration(max)} from now: give a time before ${new Date(now + max).toISOString()}`,
    );
  }
  return new Date(at).toISOString();
}
