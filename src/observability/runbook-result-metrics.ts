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

/**
 * What to count for a runbook of `kind` (`change`, `fleet` …) that returned `result`: rolled-back
 * changes by the kind of change, a fleet run's clusters by result. Nothing for other results. Pure.
 */
export function resultCounters(kind: string, result: unknown): CounterIncrement[] {
  if (typeof result !== 'object' || result === null) return [];
  const fields = result as Fields;
  return [...rolledBack(kind, fields), ...(kind === 'fleet' ? fleetResults(fields) : [])];
}
