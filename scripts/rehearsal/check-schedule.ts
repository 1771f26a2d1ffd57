import { request } from 'undici';
import type { RequestLogEntry } from '../../src/emulator/server';
import { runCli } from '../lib/run-cli';
import { TUTORIAL_CLUSTER } from '../fault-suite/tutorial-cluster';
import { cliEnv, until, type CheckOutcome } from './check-approval';
import { emulatorApi } from './check-trigger';
import type { Topology } from './topology';

/**
 * A power schedule on the Temporal server (PostgreSQL) firing on its own at the next whole minute: its
 * fleet run stops every one of the selected clusters, each with exactly one stop request.
 */

export const SCHEDULE = 'rehearsal';
const TEAM = 'rehearsal-fleet';

/** The emulator's request log (its --admin endpoint). */
export async function requestLog(topology: Topology): Promise<RequestLogEntry[]> {
  const response = await request(`${topology.emulatorUrl}/_emulator/requests`);
  return (await response.body.json()) as RequestLogEntry[];
}

function utcClock(at: Date): string {
  return `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
}

export async function checkScheduledFleetStop(
  topology: Topology,
  clusters: number,
  log: (line: string) => void,
): Promise<CheckOutcome> {
  const api = emulatorApi(topology);
  const uids: string[] = [];
  for (let index = 1; index <= clusters; index++) {
    const spec = { ...TUTORIAL_CLUSTER.spec, awsTags: [{ name: 'team', value: TEAM }] };
    uids.push((await api.createCluster({ metadata: { name: `fleet-${index}` }, spec })).metadata.uid);
  }
  const states = async () =>
    new Map((await api.listClusters()).map((c) => [c.metadata.uid, c.status?.state]));
  await until(`${clusters} fleet clusters RUNNING`, async () => {
    const now = await states();
    return uids.every((uid) => now.get(uid) === 'RUNNING') ? true : undefined;
  });
  // The next whole minute at least 45 s away: time for the schedule to reach every part of the server.
  const fireAt = new Date(Math.ceil((Date.now() + 45_000) / 60_000) * 60_000);
  const startAt = new Date(fireAt.getTime() + 12 * 3_600_000);
  const created = await runCli(
    ['schedule', 'create', SCHEDULE, '--timezone', 'UTC', '--select', `team=${TEAM}`]
      .concat(['--stop', `daily ${utcClock(fireAt)}`, '--start', `daily ${utcClock(startAt)}`])
      .concat(['--poll-initial', '1s', '--poll-max', '2s', '--as', 'alice']),
    cliEnv(topology),
  );
  if (created.code !== 0) throw new Error(`schedule create: ${created.stderr}`);
  log(
    `  schedule ${SCHEDULE}: stop daily ${utcClock(fireAt)} UTC (${clusters} clusters tagged team=${TEAM}); waiting for it to fire`,
  );
  const stop = topology.client.schedule.getHandle(`${SCHEDULE}-stop`);
  const fleetRunbookId = await until(
    'the scheduled stop to fire',
    async () => {
      const recent = (await stop.describe()).info.recentActions;
      return recent[0]?.action.workflow.workflowId;
    },
    fireAt.getTime() - Date.now() + 120_000,
  );
  log(`  fired at ${utcClock(fireAt)}: fleet runbook ${fleetRunbookId}`);
  await topology.client.workflow.getHandle(fleetRunbookId).result();
  const now = await states();
  const notStopped = uids.filter((uid) => now.get(uid) !== 'STOPPED');
  if (notStopped.length > 0) throw new Error(`not STOPPED after the fleet run: ${notStopped.join(', ')}`);
  const stops = (await requestLog(topology)).filter(
    (entry) => entry.method === 'PATCH' && entry.committed && uids.includes(entry.clusterId ?? ''),
  );
  const twice = uids.filter((uid) => stops.filter((entry) => entry.clusterId === uid).length !== 1);
  if (twice.length > 0) throw new Error(`clusters stopped other than once: ${twice.join(', ')}`);
  log(`  all ${clusters} clusters STOPPED, one stop request each`);
  return {
    name: `schedule firing a fleet stop of ${clusters} clusters`,
    runbookIds: [fleetRunbookId],
    notes: [],
  };
}
