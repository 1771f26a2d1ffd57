import type { Client } from '@temporalio/client';
import { fleetActivities } from '../activities/fleet';
import type { CloudManagerClient } from '../cloud-manager/client';
import { needsKeepAlives, planFleet, powerIntent } from '../shared/fleet-plan';
import type { FleetInput } from '../shared/power';
import { describeSelector } from '../shared/selector';
import { formatTable } from './output';

/**
 * `fleet run --dry-run`: what a fleet run would do now, decided by the run's own code (the same
 * listing and keep-alive activities, the same `planFleet`, the power runbook's rules) without
 * starting anything or sending anything but reads.
 */

export interface DryRunRow {
  cluster: string;
  id?: string;
  state?: string;
  /** `act`: its power runbook would stop or start it; `skip`, `fail`: why not. */
  decision: 'act' | 'skip' | 'fail';
  why: string;
}

export interface FleetDryRun {
  action: FleetInput['action'];
  selector: string;
  rows: DryRunRow[];
  /** How many clusters the run would stop or start. */
  acting: number;
}

/** Reads the fleet and the keep-alives; changes nothing. */
export async function fleetDryRun(
  input: FleetInput,
  api: CloudManagerClient,
  temporal: { client: Client; namespace: string },
): Promise<FleetDryRun> {
  const reads = fleetActivities({ api, temporal });
  const selection = await reads.selectClusters(input.selector);
  const keepAlives = needsKeepAlives(input.action, selection.clusters) ? await reads.listKeepAlives() : [];
  const plan = planFleet(selection, keepAlives, input.selector);
  const rows: DryRunRow[] = [
    ...plan.failed.map((entry) => ({ cluster: entry.cluster, decision: 'fail' as const, why: entry.reason })),
    ...plan.skipped.map((entry) => {
      const cluster = selection.clusters.find((candidate) => candidate.name === entry.cluster);
      return {
        cluster: entry.cluster,
        id: cluster?.id,
        state: cluster?.state,
        decision: 'skip' as const,
        why: entry.reason,
      };
    }),
  ];
  for (const cluster of plan.targets) {
    const busy = await reads.findClusterChange(cluster.id);
    const intent = powerIntent(cluster.state, input.action);
    const decision = busy ? 'skip' : intent.acts ? 'act' : intent.what.startsWith('fail') ? 'fail' : 'skip';
    const why = busy
      ? `busy: ${busy.runbookId} (kind ${busy.kind}${busy.step ? `, step ${busy.step}` : ''}) is changing this cluster`
      : intent.what.replace(/^(skip|fail): /, '');
    rows.push({ cluster: cluster.name, id: cluster.id, state: cluster.state, decision, why });
  }
  rows.sort((left, right) => left.cluster.localeCompare(right.cluster, 'en', { numeric: true }));
  return {
    action: input.action,
    selector: describeSelector(input.selector),
    rows,
    acting: rows.filter((row) => row.decision === 'act').length,
  };
}

/** The dry run as people read it: one line of totals, then a row per cluster. Pure. */
export function dryRunLines(report: FleetDryRun): string[] {
  const skipped = report.rows.filter((row) => row.decision !== 'act').length;
  return [
    `Dry run: fleet ${report.action} of ${report.selector} would ${report.action} ${report.acting} ` +
      `cluster(s) and leave ${skipped} alone. Nothing was started or changed.`,
    formatTable(report.rows, [
      { header: 'CLUSTER', value: (row) => row.cluster },
      { header: 'STATE', value: (row) => row.state ?? '-' },
      { header: 'WOULD', value: (row) => (row.decision === 'act' ? report.action : row.decision) },
      { header: 'WHY', value: (row) => row.why },
    ]).trimEnd(),
  ];
}
