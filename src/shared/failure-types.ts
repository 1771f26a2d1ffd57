/**
 * Failure type names shared by activities (which throw them as ApplicationFailure types) and
 * workflows (which match on them). Plain constants: safe to import into workflow code.
 */
export const FailureType = {
  /** Connection refused or reset, or a client-side timeout. Retried. */
  Unavailable: 'CloudManagerUnavailable',
  /** 429, or 503 with Retry-After. Retried after the server's delay. */
  Throttled: 'CloudManagerThrottled',
  /** Any other 5xx. Retried. */
  ServerError: 'CloudManagerServerError',
  /** 409 StateConflict: the cluster is busy. Retried within the step's deadline. */
  ClusterBusy: 'ClusterBusy',
  /** 400, 401, 403, 404, 415: the request itself is wrong. Not retried. */
  Rejected: 'CloudManagerRejected',
  /** The response did not match its schema. Not retried. */
  ContractViolation: 'CloudManagerContractViolation',
  /** A cluster transition ended in FAILED. Not retried. */
  ClusterFailed: 'ClusterFailed',
  /** A wait ran past its deadline. Not retried. */
  DeadlineExceeded: 'DeadlineExceeded',
} as const;
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/** Failure types that a retry cannot fix. */
export const NON_RETRYABLE_FAILURE_TYPES: string[] = [
  FailureType.Rejected,
  FailureType.ContractViolation,
  FailureType.ClusterFailed,
  FailureType.DeadlineExceeded,
];
