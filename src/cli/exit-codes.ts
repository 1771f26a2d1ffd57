import { CommanderError } from 'commander';
import { CloudManagerError } from '../cloud-manager/errors';
import { ConfigurationError } from '../cloud-manager/config';
import type { RunbookEnd } from './runbook-end';

/**
 * The CLI's exit codes, the same for every command (documented in the README and `--help`):
 * scripts and CI jobs that run `--wait` commands branch on them.
 */
export const EXIT_CODES = {
  /** The runbook completed and did what it was asked (or there was nothing to do). */
  done: 0,
  /** The runbook failed, or the change did not land (rolled back). */
  failed: 1,
  /** Bad input or usage: a flag, the configuration, or a request a policy refuses. */
  usage: 2,
  /** An approver rejected the change. */
  rejected: 3,
  /** Timed out: an approval nobody gave in time, or a transition past its deadline. */
  timedOut: 4,
  /** Cancelled or terminated. */
  cancelled: 5,
  /** Temporal or the Cloud Manager API could not be reached. */
  unreachable: 6,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  done (or nothing to do)          4  timed out (approval or transition)
  1  failed, or rolled back           5  cancelled or terminated
  2  bad input, usage or policy       6  Temporal or the Cloud Manager API unreachable
  3  rejected by an approver`;

/** The exit code of a followed runbook's end, from its result's outcome or its failure. Pure. */
/** What of a runbook's result its exit code reads: outcome and reason, or a fleet summary's failures. */
export interface EndedResult {
  outcome?: string;
  reason?: string;
  failed?: unknown[];
  aborted?: string;
}

export function exitCodeOfEnd(end: RunbookEnd<EndedResult>): number {
  if (end.outcome !== 'completed') {
    if (end.outcome === 'cancelled' || end.outcome === 'terminated') return EXIT_CODES.cancelled;
    if (end.outcome === 'timed out') return EXIT_CODES.timedOut;
    return /DeadlineExceeded|did not reach .* within/.test(end.message)
      ? EXIT_CODES.timedOut
      : EXIT_CODES.failed;
  }
  const result = end.result;
  switch (result.outcome) {
    case 'rejected':
      return /^timed-out|timed out/.test(result.reason ?? '') ? EXIT_CODES.timedOut : EXIT_CODES.rejected;
    case 'refused':
      return EXIT_CODES.usage;
    case 'rolled-back':
    case 'failed':
      return EXIT_CODES.failed;
    default:
      // A fleet summary: clusters left as they were are a failure a script must notice.
      if ((Array.isArray(result.failed) && result.failed.length > 0) || result.aborted)
        return EXIT_CODES.failed;
      return EXIT_CODES.done;
  }
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

let connecting = false;

/** Called when a command starts talking to Temporal: plain errors before that are bad input. */
export function noteConnecting(): void {
  connecting = true;
}

/** The exit code of an error a command threw (a plain error before any connection is bad input). */
export function exitCodeOfError(error: unknown): number {
  if (error instanceof CommanderError) return EXIT_CODES.usage;
  if (error instanceof ConfigurationError || (error as Error)?.name === 'ConfigFileError')
    return EXIT_CODES.usage;
  if (error instanceof CloudManagerError) {
    if (error.type === 'CloudManagerUnavailable') return EXIT_CODES.unreachable;
    // Refused before sending (no status), or as a bad request: the input is at fault.
    if (error.type === 'CloudManagerRejected' && [undefined, 400, 422].includes(error.status)) {
      return EXIT_CODES.usage;
    }
    return EXIT_CODES.failed;
  }
  const status = (error as { status?: unknown })?.status;
  if ((error as Error)?.name === 'TriggerRefused' && (status === 400 || status === 422))
    return EXIT_CODES.usage;
  const code = networkCode(error);
  const message = error instanceof Error ? error.message : String(error);
  // gRPC 14 UNAVAILABLE, refused connections, DNS failures: Temporal is not there.
  if (
    code === '14' ||
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Failed to connect|UNAVAILABLE/i.test(`${code} ${message}`)
  ) {
    return EXIT_CODES.unreachable;
  }
  return connecting ? EXIT_CODES.failed : EXIT_CODES.usage;
}
