import { isInProgress } from './cluster-states';
import type { ClusterSelector, KeepAlive, PowerAction } from './power';
import { optOutTagOf } from './selector';

/**
 * What a fleet run decides before it starts any power runbook, as pure functions: the run itself
 * (`FleetRun.filter`, workflow code) and `fleet run --dry-run` (the CLI) both use them, so the
 * preview cannot say something the run would not do.
 */

/** A selected cluster, as the fleet's listing gives it. */
export interface PlannedCluster {
  id: string;
  name: string;
  state: string;
  optedOut: boolean;
}

export interface FleetPlan<Cluster extends PlannedCluster> {
  /** The clusters the run starts a power runbook for. */
  targets: Cluster[];
  skipped: Array<{ cluster: string; reason: string }>;
  /** Explicitly named ids or names that match no live cluster. */
  failed: Array<{ cluster: string; reason: string }>;
}

/** Whether the run needs the keep-alives at all: only a stop honours them, and only for clusters it would act on. */
export function needsKeepAlives(action: PowerAction, clusters: readonly PlannedCluster[]): boolean {
  return action === 'stop' && clusters.some((cluster) => !cluster.optedOut);
}

/** Splits a selection into targets and clusters skipped with why (opt-out tag, keep-alive). Pure. */
export function planFleet<Cluster extends PlannedCluster>(
  selection: { clusters: Cluster[]; missing: string[] },
  keepAlives: readonly KeepAlive[],
  selector: ClusterSelector,
): FleetPlan<Cluster> {
  const plan: FleetPlan<Cluster> = { targets: [], skipped: [], failed: [] };
  for (const wanted of selection.missing) {
    plan.failed.push({ cluster: wanted, reason: 'not found: no live cluster has this id or name' });
  }
  const optOut = optOutTagOf(selector);
  for (const cluster of selection.clusters) {
    const keepAlive = keepAlives.find((entry) => entry.clusterId === cluster.id);
    if (cluster.optedOut) {
      plan.skipped.push({ cluster: cluster.name, reason: `opted out (tag ${optOut.key}=${optOut.value})` });
    } else if (keepAlive) {
      const reason = `kept alive by ${keepAlive.setBy} until ${keepAlive.until}: ${keepAlive.reason}`;
      plan.skipped.push({ cluster: cluster.name, reason });
    } else {
      plan.targets.push(cluster);
    }
  }
  return plan;
}

/** What a target's power runbook will do, judged from its listed state, as the runbook judges it. Pure. */
export function powerIntent(state: string, action: PowerAction): { acts: boolean; what: string } {
  const target = action === 'stop' ? 'STOPPED' : 'RUNNING';
  if (state === target) return { acts: false, what: `skip: already ${target}` };
  if (state === 'DELETING' || state === 'DELETED') {
    return { acts: false, what: `fail: ${state}, it can be neither stopped nor started` };
  }
  if (isInProgress(state))
    return { acts: true, what: `wait for ${state} to settle, then ${action} if still needed` };
  return { acts: true, what: `${action}: ${state} → ${target}` };
}
