import type { ClusterSelector } from './power';
import type { WaitOptions } from './steps';

/**
 * Enforced off-hours (opt-in per schedule): after a scheduled stop, a guard watches the selected
 * clusters until the schedule's next start. One started by hand meanwhile is announced to its owner,
 * then stopped again after the grace period unless someone set a keep-alive. Plain types.
 */

export interface OffHoursSettings {
  /** How long after the announcement the cluster is stopped again. */
  graceMs: number;
  /** How often the guard looks; default 5 minutes. */
  checkEveryMs?: number;
}

export const OFF_HOURS_CHECK_DEFAULT_MS = 5 * 60_000;
/** The tag whose value names a cluster's owner in the announcement (`owner=dana@example.com`). */
export const OWNER_TAG = 'owner';

export interface OffHoursGuardInput extends OffHoursSettings {
  scheduleName: string;
  selector: ClusterSelector;
  /** The schedule's next start: the guard ends then. */
  until: string;
  wait?: WaitOptions;
  /** Carried over continue-as-new: clusters announced, with when (epoch ms), and those stopped so far. */
  announced?: Record<string, number>;
  stopped?: string[];
}

export interface OffHoursNotice {
  scheduleName: string;
  cluster: string;
  clusterId: string;
  owner?: string;
  /** When it will be stopped again unless someone sets a keep-alive. */
  stopAt: string;
}

export interface OffHoursResult {
  scheduleName: string;
  until: string;
  /** Clusters the guard stopped again. */
  stopped: string[];
  /** Clusters announced (started during off-hours), stopped or not. */
  announced: string[];
}
