/** Steps, progress and waits: what every runbook shows and how long it waits. Plain types. */

export type StepStatus = 'pending' | 'running' | 'completed' | 'skipped' | 'failed' | 'cancelled';

export interface StepProgress {
  name: string;
  title: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  /** What happened, in a line: "created 3f2…", "waiting: UPDATING (poll 3)". */
  detail?: string;
}

export interface RunbookProgress {
  kind: string;
  clusterName: string;
  clusterId?: string;
  resourceVersion?: number;
  clusterState?: string;
  currentStep?: string;
  steps: StepProgress[];
  /** The runbook this one runs as a child right now (`change:<uid>` of a lifecycle's scale), whose steps follow. */
  child?: string;
  /** `rejected`: an approver rejected the change or nobody approved it in time; nothing was applied. */
  outcome?: 'completed' | 'rejected' | 'failed' | 'cancelled';
}

/** Timeouts and polling of the waits, all in milliseconds, with defaults in the workflow. */
export interface WaitOptions {
  /** How long a transition (create, update, stop) may take before the runbook fails. */
  transitionTimeoutMs?: number;
  /** First poll interval; doubles after each poll up to `pollMaxMs`. */
  pollInitialMs?: number;
  pollMaxMs?: number;
  /**
   * After a PUT with no transition seen, how long the target state must hold at the new resource
   * version before the change counts as applied (an accepted change may show late). Default: the
   * poll cap, at most 30 s.
   */
  settleMs?: number;
}
