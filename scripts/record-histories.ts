/**
 * Records runbook histories for the replay test (test/replay/replay.test.ts), each against a local
 * emulator of its own, written to test/fixtures/histories/<name>.json:
 *   lifecycle-completed, -failed, -cancelled   the tutorial run; its create ending FAILED; cancelled
 *                                              with `onCancel: 'delete'` (recorded before the lifecycle
 *                                              composed the change runbook)
 *   lifecycle-composed-completed, -cancelled   the same runs since: scale, stop and delete as children
 *   power-stop-completed                       a person's stop of one cluster
 *   change-scale-completed                     an auto-approved scale, verified
 *   change-rolled-back                         the update ends FAILED: rolled back, the run completes
 *   change-cancelled-after-put                 cancelled while UPDATING: rolled back, the run cancelled
 *   fleet-stop-completed                       a fleet run stopping three clusters two at a time; also
 *                                              writes power-stop-in-fleet-completed, one of its children
 * (change and fleet recordings in scripts/record-histories/).
 *
 *   npx tsx scripts/record-histories.ts        starts its own Temporal dev server
 *   npx tsx scripts/record-histories.ts power-stop-completed     just that one
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx scripts/record-histories.ts    uses a running one
 *
 * Re-record after a deliberate change to the workflow's commands (and say so in the commit); a
 * replay failure without such a change means the change breaks runbooks already running.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { StaticTokenProvider } from '../src/cloud-manager/auth';
import { CloudManagerClient } from '../src/cloud-manager/client';
import { startEmulator, type RunningEmulator } from '../src/emulator/server';
import { DEFAULT_NAMESPACE } from '../src/shared/constants';
import { powerStartOptions } from '../src/shared/power';
import { lifecycleStartOptions, type LifecycleInput } from '../src/shared/runbook';
import { SEARCH_ATTRIBUTE_FLAGS } from '../src/shared/search-attributes';
import { startDevServer, type DevServer } from '../src/dev/dev-server';
import { createWorker } from '../src/worker';
import { lifecycleRunbook, powerRunbook, runbookProgressQuery } from '../src/workflows';
import { historyToJsonText } from './lib/history-json';
import { CHANGE_RECORDINGS } from './record-histories/change';
import { fleetRecording } from './record-histories/fleet';
import {
  named,
  ROOT,
  runningCluster,
  TUTORIAL_CLUSTER,
  until,
  WAIT,
  type Recording,
  type RecordingContext,
} from './record-histories/recording';

const OUTPUT_DIR = path.join(ROOT, 'test/fixtures/histories');

type Handle = WorkflowHandle<typeof lifecycleRunbook>;

interface LifecycleRecording {
  name: string;
  input: LifecycleInput;
  /** How the run must end for its history to be written. */
  expect: 'completed' | 'failed' | 'cancelled';
  /** How long each emulated transition takes; default 200 ms. */
  transitionMs?: number;
  /** Drives the run while it is open (faults, cancel); the recording waits for its end after. */
  drive?: (handle: Handle, emulator: RunningEmulator) => Promise<void>;
}

/** The step the runbook is at, once it has created its cluster. */
async function reached(handle: Handle, step: string): Promise<string> {
  return until(`step ${step}`, async () => {
    const progress = await handle.query(runbookProgressQuery);
    return progress.currentStep === step ? progress.clusterId : undefined;
  });
}

const LIFECYCLE_RECORDINGS: LifecycleRecording[] = [
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

/**
 * The same runs once the lifecycle composed the change runbook (patch lifecycle-composes-change):
 * its scale a child change, its stop a child power runbook, its delete a child delete change. The
 * `lifecycle-*` recordings above are from before that patch and stay as they are.
 */
const COMPOSED_RECORDINGS: LifecycleRecording[] = [
  { ...LIFECYCLE_RECORDINGS[0]!, name: 'lifecycle-composed-completed' },
  {
    ...LIFECYCLE_RECORDINGS[2]!,
    name: 'lifecycle-composed-cancelled',
    input: { ...LIFECYCLE_RECORDINGS[2]!.input, cluster: named('clusters-example-composed-cancelled') },
  },
];

/** Starts the lifecycle runbook, drives it, and checks it ended as the recording expects. */
function lifecycle(recording: LifecycleRecording): Recording {
  return {
    name: recording.name,
    transitionMs: recording.transitionMs,
    async run({ client, taskQueue, emulator }) {
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
      return [{ name: recording.name, handle, ended: recording.expect }];
    },
  };
}

/** A power runbook stopping a running cluster (a person's stop: it reads the cluster first). */
const POWER_RECORDING = 'power-stop-completed';

const powerRecording: Recording = {
  name: POWER_RECORDING,
  async run({ client, taskQueue, api }) {
    const uid = await runningCluster(api, named('clusters-example-power'));
    const handle = await client.workflow.start(powerRunbook, {
      ...powerStartOptions(
        { clusterId: uid, action: 'stop', requester: 'recorder', source: 'person', wait: WAIT },
        taskQueue,
      ),
      workflowId: `${POWER_RECORDING}-${randomUUID()}`,
    });
    const result = await handle.result();
    if (result.outcome !== 'done')
      throw new Error(`${POWER_RECORDING} ended ${result.outcome}: not recorded`);
    return [{ name: POWER_RECORDING, handle, ended: 'completed' }];
  },
};

const RECORDINGS: Recording[] = [
  ...LIFECYCLE_RECORDINGS.map(lifecycle),
  ...COMPOSED_RECORDINGS.map(lifecycle),
  powerRecording,
  ...CHANGE_RECORDINGS,
  fleetRecording,
];

/** Runs one recording on an emulator and worker of its own, and writes its histories. */
async function record(address: string, client: Client, recording: Recording): Promise<void> {
  const token = randomBytes(16).toString('hex');
  const emulator = await startEmulator({
    port: 0,
    transitionMs: recording.transitionMs ?? 200,
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
      // The Temporal client reads keep-alive overrides for fleet stops, as `imply-runbooks worker` does.
      activities: createActivities({ api, temporal: { client, namespace: DEFAULT_NAMESPACE } }),
      shutdownGraceTime: '1s',
    });
    const context: RecordingContext = { client, taskQueue, api, emulator };
    const recorded = await worker.runUntil(() => recording.run(context));
    for (const { name, handle, ended } of recorded) {
      const file = path.join(OUTPUT_DIR, `${name}.json`);
      // Stack traces name files by absolute path: keep fixtures free of this machine's paths.
      const text = historyToJsonText(await handle.fetchHistory())
        .split(`${ROOT}${path.sep}`)
        .join('');
      writeFileSync(file, `${text}\n`);
      console.log(`${path.relative(ROOT, file)}: ${ended}`);
    }
  } finally {
    await connection.close();
    await emulator.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv[2];
  if (only !== undefined && !RECORDINGS.some((recording) => recording.name === only)) {
    const names = RECORDINGS.map((recording) => recording.name).join(', ');
    throw new Error(`no recording is named "${only}": name one of ${names}, or none to record them all`);
  }
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
    for (const recording of RECORDINGS) {
      if (only === undefined || only === recording.name) await record(address, client, recording);
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
