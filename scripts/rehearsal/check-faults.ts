import { setTimeout as delay } from 'node:timers/promises';
import { duplicateClusters, repeatedChanges } from '../fault-suite/figures';
import { untilAllReach } from '../fault-suite/measure';
import { awaitOutcomes, currentStep, startRunbooks } from '../fault-suite/runbooks';
import type { CheckOutcome } from './check-approval';
import { emulatorApi } from './check-trigger';
import type { Topology } from './topology';

/**
 * The fault suite's lifecycle runbooks (create, scale, stop, delete) on the compose task queue, with a
 * worker SIGKILLed while one of them is mid-step and PostgreSQL restarted while they all run: every
 * runbook completes, no cluster is created twice, none is changed more than its runbook asks.
 */

export async function checkWorkerKillAndPostgresRestart(
  topology: Topology,
  runbooks: number,
  log: (line: string) => void,
): Promise<CheckOutcome> {
  const taskQueue = topology.cliEnvironment.IMPLY_RUNBOOKS_TASK_QUEUE ?? 'imply-runbooks';
  const handles = await startRunbooks(topology.client, taskQueue, 'rehearsal-faults', runbooks, 3_000);
  const deadline = Date.now() + 10 * 60_000;
  const killed = handles[0]!;
  while (Date.now() < deadline && (await currentStep(killed)) !== 'wait-running') await delay(50);
  topology.workers[0]!.kill();
  log(
    `  SIGKILL worker-1 while ${killed.workflowId} is at wait-running; compose's restart policy brings it back`,
  );
  await topology.workers[0]!.readyAgain(1);
  await untilAllReach(handles, 'scale', deadline);
  log('  restarting PostgreSQL (pg_ctl restart -m fast) while the runbooks are at their scale or later');
  topology.postgres.restart();
  const outcomes = await awaitOutcomes(handles, deadline);
  const failed = outcomes.filter((outcome) => !outcome.completed);
  if (failed.length > 0) {
    throw new Error(
      `runbooks that did not complete: ${failed.map((o) => `${o.workflowId}: ${o.problem}`).join('; ')}`,
    );
  }
  const clusters = await emulatorApi(topology).listClusters();
  const duplicates = duplicateClusters(clusters, outcomes);
  const repeated = repeatedChanges(clusters, outcomes);
  if (duplicates + repeated > 0)
    throw new Error(`${duplicates} clusters created twice, ${repeated} changes made twice`);
  log(`  all ${runbooks} runbooks completed; 0 clusters created twice, 0 changes made twice`);
  return {
    name: `worker SIGKILL and PostgreSQL restart, ${runbooks} lifecycle runbooks`,
    runbookIds: handles.map((handle) => handle.workflowId),
    notes: ['worker-1 killed at wait-running, restarted; PostgreSQL restarted at scale'],
  };
}
