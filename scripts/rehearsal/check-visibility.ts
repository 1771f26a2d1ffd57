import { request } from 'undici';
import { METRICS } from '../../src/observability/metric-names';
import { runCli } from '../lib/run-cli';
import { cliEnv, until, type CheckOutcome } from './check-approval';
import { SCHEDULE } from './check-schedule';
import type { Topology } from './topology';

/**
 * What reads Temporal's visibility store (PostgreSQL here): `list`, `approvals`, `schedule describe`
 * and the workers' approval gauges, each answering with what the checks before left behind.
 */

export async function checkVisibility(
  topology: Topology,
  expectedRunbookIds: string[],
  withSchedule: boolean,
  log: (line: string) => void,
): Promise<CheckOutcome> {
  const env = cliEnv(topology);
  const cli = async (...args: string[]) => {
    const result = await runCli(args, env);
    if (result.code !== 0)
      throw new Error(`imply-runbooks ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  await until(
    'every runbook in `list`',
    async () => {
      const listed = await cli('list', '--json');
      return expectedRunbookIds.every((id) => listed.includes(id)) ? true : undefined;
    },
    60_000,
  );
  log(`  list: all ${expectedRunbookIds.length} runbooks of the checks, from visibility`);
  const approvals = await cli('approvals');
  log(`  approvals: ${approvals.trim().split('\n')[0]}`);
  if (withSchedule) {
    const described = await cli('schedule', 'describe', SCHEDULE);
    if (!/COMPLETED\s+ran/.test(described))
      throw new Error(`schedule describe shows no completed run:\n${described}`);
    log(`  schedule describe ${SCHEDULE}: its fired stop COMPLETED`);
  }
  for (const [index, worker] of topology.workers.entries()) {
    const text = await (await request(worker.metricsUrl)).body.text();
    const line = text.split('\n').find((l) => l.startsWith(METRICS.approvalsPending));
    if (!line) throw new Error(`${worker.metricsUrl} has no ${METRICS.approvalsPending} gauge`);
    log(`  metrics of worker-${index + 1}: ${line}`);
  }
  return {
    name: 'list, approvals, schedule describe, gauges from visibility',
    runbookIds: [],
    notes: [],
  };
}
