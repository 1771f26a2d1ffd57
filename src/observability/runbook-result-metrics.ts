/**
 * The counters a runbook's result adds beyond "completed": a change that was rolled back, and the
 * clusters of a fleet run by what happened to them. Pure, and workflow code: no I/O, no Node built-ins.
 */
import { METRICS } from './metric-names';

export interface CounterIncrement {
  metric: string;
  description: string;
  value: number;
  labels: Record<string, string>;
}

/** Fleet summary lists, by the `result` label they are counted under. */
const FLEET_RESULTS = [
  ['done', 'done'],
  ['skipped', 'skipped'],
  ['failed', 'failed'],
  ['not-started', 'notStarted'],
] as const;

type Fields = Record<string, unknown>;

function rolledBack(kind: string, result: Fields): CounterIncrement[] {
  if (result.outcome !== 'rolled-back') return [];
  const change = typeof result.kind === 'string' && result.kind !== '' ? result.kind : kind;
  return [
    {
      metric: METRICS.runbooksRolledBack,
      description: 'Changes undone after they failed',
      value: 1,
      labels: { kind, change },
    },
  ];
}

function fleetResults(result: Fields): CounterIncrement[] {
  if (!FLEET_RESULTS.every(([, field]) => Array.isArray(result[field]))) return [];
  const action = typeof result.action === 'string' ? result.action : 'unknown';
  const clusters = FLEET_RESULTS.map(([label, field]) => ({
    metric: METRICS.fleetClusters,
    description: 'Clusters of ended fleet runs, by what happened to them',
    value: (result[field] as unknown[]).length,
    labels: { action, result: label },
  }));
  const run = {
    metric: METRICS.fleetRuns,
    description: 'Ended fleet runs',
    value: 1,
    labels: { action, aborted: String(typeof result.aborted === 'string' && result.aborted !== '') },
  };
  return [...clusters, run];
}

/** A drift check's result (`driftCheck`, kind `drift-check`): the check, and each drifted cluster by action. */
function driftResults(result: Fields): CounterIncrement[] {
  const report = result.report as { owner?: unknown; drifted?: unknown } | undefined;
  if (!report || !Array.isArray(report.drifted) || typeof result.outcome !== 'string') return [];
  const owner = typeof report.owner === 'string' ? report.owner : 'unknown';
  const byAction = new Map<string, number>();
  for (const cluster of report.drifted as Array<{ action?: unknown }>) {
    const action = typeof cluster.action === 'string' ? cluster.action : 'unknown';
    byAction.set(action, (byAction.get(action) ?? 0) + 1);
  }
  return [
    {
      metric: METRICS.driftChecks,
      description: 'Ended drift checks of folders of cluster specs',
      value: 1,
      labels: { owner, outcome: result.outcome },
    },
    ...[...byAction].map(([action, value]) => ({
      metric: METRICS.driftClusters,
      description: 'Clusters a drift check found differing from their folder',
      value,
      labels: { owner, action },
    })),
  ];
}

/**
 * What to count for a runbook of `kind` (`change`, `fleet` …) that returned `result`: rolled-back
 * changes by the kind of change, a fleet run's clusters by result. Nothing for other results. Pure.
 */
export function resultCounters(kind: string, result: unknown): CounterIncrement[] {
  if (typeof result !== 'object' || result === null) return [];
  const fields = result as Fields;
  return [
    ...rolledBack(kind, fields),
    ...(kind === 'fleet' ? fleetResults(fields) : []),
    ...(kind === 'drift-check' ? driftResults(fields) : []),
  ];
}
