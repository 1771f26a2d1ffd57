import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { CloudManagerClient } from '../../src/cloud-manager/client';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type { RunningEmulator } from '../../src/emulator/server';

/** What every recording of scripts/record-histories.ts is given and hands back, and their helpers. */

export const ROOT = path.resolve(__dirname, '../..');
export const TUTORIAL_CLUSTER = JSON.parse(
  readFileSync(path.join(ROOT, 'examples/tutorial-cluster.json'), 'utf8'),
) as ClusterRequest;
/** Short polls keep the histories small: every poll is an activity and a timer. */
export const WAIT = { pollInitialMs: 100, pollMaxMs: 200 };

/** A worker on `taskQueue` serves the runbooks; `api` reaches the recording's own emulator. */
export interface RecordingContext {
  client: Client;
  taskQueue: string;
  api: CloudManagerClient;
  emulator: RunningEmulator;
}

/** A run that ended as its recording expects: its history goes to test/fixtures/histories/<name>.json. */
export interface Recorded {
  name: string;
  handle: Pick<WorkflowHandle, 'fetchHistory'>;
  /** How it ended, for the line the script prints. */
  ended: string;
}

export interface Recording {
  /** What to name on the command line to record just this one. */
  name: string;
  /** How long each emulated transition takes; default 200 ms. */
  transitionMs?: number;
  /** Runs the runbook to its end; throws (nothing is written) when it ended otherwise than expected. */
  run(context: RecordingContext): Promise<Recorded[]>;
}

/** The tutorial cluster under another name, with these `awsTags`. */
export function named(name: string, tags: Record<string, string> = {}): ClusterRequest {
  const awsTags = Object.entries(tags).map(([tag, value]) => ({ name: tag, value }));
  return {
    ...TUTORIAL_CLUSTER,
    metadata: { name },
    ...(awsTags.length > 0 ? { spec: { ...TUTORIAL_CLUSTER.spec, awsTags } } : {}),
  };
}

export async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Creates the cluster on the emulator and waits until it is RUNNING; answers its uid. */
export async function runningCluster(api: CloudManagerClient, request: ClusterRequest): Promise<string> {
  const uid = (await api.createCluster(request)).metadata.uid;
  await until(`${request.metadata.name} RUNNING`, async () =>
    (await api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
  );
  return uid;
}
