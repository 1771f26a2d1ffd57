import type { FleetSummary, NodeGroup, PowerAction, PowerResult } from '../shared/power';

/**
 * The savings report's input: what happened to each cluster and when, taken from the results of
 * closed power runbooks and, for keep-alive overrides, of closed fleet runs. Pure.
 */
export interface SavingsEvent {
  /** `kept-alive`: a scheduled stop skipped this cluster because of a keep-alive override. */
  outcome: PowerResult['outcome'] | 'kept-alive';
  action: PowerAction;
  clusterId?: string;
  clusterName: string;
  /** When it took effect (UTC ISO): a stop once STOPPED, a start as it began, a skipped stop as the fleet ran. */
  at: string;
  nodes: NodeGroup[];
  source: 'schedule' | 'person';
  scheduleName?: string;
  /** With `kept-alive`: who set the override and why. */
  keptAliveBy?: string;
  keptAliveReason?: string;
}

const KEPT_ALIVE = /^kept alive by (.+) until (\S+): ([\s\S]*)$/;

/** One event from a power runbook's result. Pure. */
export function eventFromPowerResult(result: PowerResult): SavingsEvent {
  // Billing stops once the cluster is STOPPED and starts again as soon as it is asked to start.
  const at = result.action === 'stop' ? result.endedAt : result.startedAt;
  return {
    outcome: result.outcome,
    action: result.action,
    clusterId: result.clusterId,
    clusterName: result.clusterName,
    at,
    nodes: result.nodes,
    source: result.source,
    ...(result.scheduleName ? { scheduleName: result.scheduleName } : {}),
  };
}

/** The keep-alive skips of a stop fleet run: each is a stop the schedule would have made. Pure. */
export function keptAliveEventsFromFleet(summary: FleetSummary): SavingsEvent[] {
  if (summary.action !== 'stop') return [];
  return summary.skipped.flatMap((entry) => {
    const match = KEPT_ALIVE.exec(entry.reason);
    if (!match) return [];
    return [
      {
        outcome: 'kept-alive' as const,
        action: 'stop' as const,
        clusterName: entry.cluster,
        at: summary.startedAt,
        nodes: [],
        source: summary.scheduleName ? ('schedule' as const) : ('person' as const),
        ...(summary.scheduleName ? { scheduleName: summary.scheduleName } : {}),
        keptAliveBy: match[1] as string,
        keptAliveReason: match[3] as string,
      },
    ];
  });
}
