/**
 * Records runbook histories for the replay test (test/replay/replay.test.ts): lifecycle runbooks (a
 * completed tutorial run, one that fails as its create ends FAILED, one cancelled with
 * `onCancel: 'delete'`) and a power runbook stopping a cluster, each against a local emulator,
 * written to test/fixtures/histories/<name>.json.
 *
 *   npx tsx scripts/record-histories.ts        starts its own Temporal dev server
 *   npx tsx scripts/record-histories.ts power-stop-completed     just that one
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx scripts/record-histories.ts    uses a running one
 *
 * Re-record after a deliberate change to the workflow's commands (and say so in the commit); a
 * replay failure without such a change means the change breaks runbooks already running.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { StaticTokenProvider } from '../src/cloud-manager/auth';
import { CloudManagerClient } from '../src/cloud-manager/client';
import type { ClusterRequest } from '../src/cloud-manager/schemas/cluster';
import { startEmulator, type RunningEmulator } from '../src/emulator/server';
import { DEFAULT_NAMESPACE } from '../src/shared/constants';
import { powerStartOptions } from '../src/shared/power';
import { lifecycleStartOptions, type LifecycleInput } from '../src/shared/runbook';
import { SEARCH_ATTRIBUTE_FLAGS } from '../src/shared/search-attributes';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';
import { createWorker } from '../src/worker';
import { lifecycleRunbook, powerRunbook, runbookProgressQuery } from '../src/workflows';
import { historyToJsonText } from '../test/replay/history-json';

const ROOT = path.resolve(__dirname, '..');
const OUTPUT_DIR = path.join(ROOT, 'test/fixtures/histories');
const TUTORIAL_CLUSTER = JSON.parse(
  readFileSync(path.join(ROOT, 'examples/tutorial-cluster.json'), 'utf8'),
) as ClusterRequest;
/** Short polls keep the histories small: every poll is an activity and a timer. */
const WAIT = { pollInitialMs: 100, pollMaxMs: 200 };

type Handle = WorkflowHandle<typeof lifecycleRunbook>;

interface Recording {
  name: string;
  input: LifecycleInput;
  /** How the run must end for its history to be written. */
  expect: 'completed' | 'failed' | 'cancelled';
  /** How long each emulated transition takes; default 200 ms. */
  transitionMs?: number;
  /** Drives the run while it is open (faults, cancel); the recording waits for its end after. */
  drive?: (handle: Handle, emulator: RunningEmulator) => Promise<void>;
}

function named(name: string): ClusterRequest {
  return { ...TUTORIAL_CLUSTER, metadata: { name } };
}

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The step the runbook is at, once it has created its cluster. */
async function reached(handle: Handle, step: string): Promise<string> {
  return until(`step ${step}`, async () => {
    const progress = await handle.query(runbookProgressQuery);
    return progress.currentStep === step ? progress.clusterId : undefined;
  });
}

const RECORDINGS: Recording[] = [
  {
    name: 'lifecycle-completed',
    expect: 'completed',
    input: {
      cluster: TUTORIAL_CLUSTER,
      scale: [
        { path: 'spec.data.tier1.replicas', value: 2 },
        { path: 'metadata.name', value: 'clusters-example-scaled' },
      ],
      force: true,
      stop: { afterMs: 200 },
      delete: { afterMs: 200 },
      wait: WAIT,
    },
  },
  {
    name: 'lifecycle-failed',
    expect: 'failed',
    input: { cluster: named('clusters-example-failed'), scale: [], delete: {}, wait: WAIT },
    transitionMs: 1_000,
    async drive(handle, emulator) {
      // Creation takes a second here: mark it to end FAILED while it runs.
      const clusterId = await reached(handle, 'wait-running');
      emulator.setFaults({ failNextUpdate: [clusterId as string] });
    },
  },
  {
    name: 'lifecycle-cancelled',
    expect: 'cancelled',
    input: {
      cluster: named('clusters-example-cancelled'),
      scale: [],
      stop: { afterMs: 3_600_000 },
      onCancel: 'delete',
      wait: WAIT,
    },
    async drive(handle) {
      await reached(handle, 'stop');
      await handle.cancel();
    },
  },
];

/** A power runbook stopping a running cluster (a person's stop: it reads the cluster first). */
const POWER_RECORDING = 'power-stop-completed';

async function stopOneCluster(client: Client, taskQueue: string, api: CloudManagerClient) {
  const created = await api.createCluster(named('clusters-example-power'));
  const uid = created.metadata.uid;
  await until('RUNNING', async () =>
    (await api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
  );
  const handle = await client.workflow.start(powerRunbook, {
    ...powerStartOptions(
      { clusterId: uid, action: 'stop', requester: 'recorder', source: 'person', wait: WAIT },
      taskQueue,
    ),
    workflowId: `${POWER_RECORDING}-${randomUUID()}`,
  });
  const result = await handle.result();
  if (result.outcome !== 'done') throw new Error(`${POWER_RECORDING} ended ${result.outcome}: not recorded`);
  return handle;
}

/** Runs one recording on an emulator and worker of its own, and writes its history. */
async function record(
  address: string,
  client: Client,
  recording: Recording | typeof POWER_RECORDING,
): Promise<void> {
  const token = randomBytes(16).toString('hex');
  const emulator = await startEmulator({
    port: 0,
    transitionMs: (recording === POWER_RECORDING ? undefined : recording.transitionMs) ?? 200,
    tokens: [{ token }],
  });
  const connection = await NativeConnection.connect({ address });
  try {
    const api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(token) });
    const taskQueue = `record-histories-${randomUUID()}`;
    const worker = await createWorker({
      connection,
      namespace: DEFAULT_NAMESPACE,
      taskQueue,
      activities: createActivities({ api }),
      shutdownGraceTime: '1s',
    });
    const handle = await worker.runUntil<{ fetchHistory: Handle['fetchHistory'] }>(() =>
      recording === POWER_RECORDING
        ? stopOneCluster(client, taskQueue, api)
        : run(client, taskQueue, emulator, recording),
    );
    const name = recording === POWER_RECORDING ? POWER_RECORDING : recording.name;
    const file = path.join(OUTPUT_DIR, `${name}.json`);
    // Stack traces name files by absolute path: keep fixtures free of this machine's paths.
    const text = historyToJsonText(await handle.fetchHistory())
      .split(`${ROOT}${path.sep}`)
      .join('');
    writeFileSync(file, `${text}\n`);
    console.log(
      `${path.relative(ROOT, file)}: ${recording === POWER_RECORDING ? 'completed' : recording.expect}`,
    );
  } finally {
    await connection.close();
    await emulator.close();
  }
}

/** Starts the runbook, drives it, and checks it ended as the recording expects. */
async function run(client: Client, taskQueue: string, emulator: RunningEmulator, recording: Recording) {
  const handle: Handle = await client.workflow.start(lifecycleRunbook, {
    ...lifecycleStartOptions(recording.input, taskQueue),
    // A unique id: recording again must not collide with an earlier run on a long-lived server.
    workflowId: `${recording.name}-${randomUUID()}`,
  });
  await recording.drive?.(handle, emulator);
  // Failed and cancelled runs reject here; the progress query says how each one ended.
  await handle.result().catch(() => undefined);
  const { outcome } = await handle.query(runbookProgressQuery);
  if (outcome !== recording.expect) {
    throw new Error(`${recording.name} ended ${String(outcome)}, not ${recording.expect}: not recorded`);
  }
  return handle;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  let devServer: DevServer | undefined;
  const address =
    process.env.TEMPORAL_ADDRESS ??
    (devServer = await startDevServer({ port: 0, headless: true, searchAttributes: SEARCH_ATTRIBUTE_FLAGS }))
      .address;
  const clientConnection = await Connection.connect({ address });
  try {
    const client = new Client({ connection: clientConnection, namespace: DEFAULT_NAMESPACE });
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const only = process.argv[2];
    for (const recording of [...RECORDINGS, POWER_RECORDING] as const) {
      const name = recording === POWER_RECORDING ? recording : recording.name;
      if (only === undefined || only === name) await record(address, client, recording);
    }
  } finally {
    await clientConnection.close();
    await devServer?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
