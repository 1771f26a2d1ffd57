import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Client,
  Connection,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { runCli } from '../../scripts/lib/run-cli';
import { createActivities } from '../../src/activities';
import { dataConverterFromEnv } from '../../src/codec/data-converter';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import { startEmulator, type FaultConfig, type RunningEmulator } from '../../src/emulator/server';
import { DEFAULT_NAMESPACE } from '../../src/shared/constants';
import { lifecycleStartOptions, type LifecycleInput } from '../../src/shared/runbook';
import { spawnManaged, waitForLine, type ManagedProcess } from '../../src/dev/supervisor';
import { createWorker } from '../../src/worker';
import type { lifecycleRunbook } from '../../src/workflows';
import type { changeRunbook } from '../../src/workflows/change';
import { pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { runbookProgressQuery } from '../../src/workflows/progress';

/**
 * The one environment of the end-to-end tests: the Temporal dev server `npm test` starts, a real
 * emulator over HTTP per scenario, and a real worker (in this process, or the CLI as a child process).
 */

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/imply-runbooks.js');
export const TUTORIAL_CLUSTER = JSON.parse(
  readFileSync(path.join(ROOT, 'examples/tutorial-cluster.json'), 'utf8'),
) as ClusterRequest;

/** Fast waits: the runbook's defaults poll from 1 s up to 60 s. */
export const FAST_WAIT = { pollInitialMs: 100, pollMaxMs: 500 };

export type LifecycleHandle = WorkflowHandleWithFirstExecutionRunId<typeof lifecycleRunbook>;

export interface ScenarioOptions {
  /** How long each emulated transition takes; default 200 ms. */
  transitionMs?: number;
  faults?: Partial<FaultConfig>;
}

export interface WorkerProcessOptions {
  /** Variables added to (or, as '', removed from) the worker's environment. */
  env?: Record<string, string>;
  /** Every line the worker prints. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface WorkerProcess {
  readonly process: ManagedProcess;
  /** SIGKILL, no goodbye to the server; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface Scenario {
  emulator: RunningEmulator;
  /** The bearer token the emulator accepts and workers use: what a secret scan looks for. */
  token: string;
  /** The test's own Cloud Manager client (the same token the worker uses). */
  api: CloudManagerClient;
  taskQueue: string;
  /** A worker inside this process, over the shared native connection; stopped at teardown. */
  startWorker(): Promise<void>;
  /** `imply-runbooks worker` as a child process; resolves once it prints `Worker ready`. */
  startWorkerProcess(options?: WorkerProcessOptions): Promise<WorkerProcess>;
  /** Starts the lifecycle runbook the way the CLI does (`lifecycleStartOptions`). */
  startRunbook(input: LifecycleInput): Promise<LifecycleHandle>;
}

export interface E2eEnvironment {
  client: Client;
  connection: NativeConnection;
  namespace: string;
  address: string;
  /** IMPLY_RUNBOOKS_CODEC_KEYS when the environment encrypts payloads; workers get it too. */
  codecEnv: Record<string, string>;
  scenario(options?: ScenarioOptions): Promise<Scenario>;
  /** Tears down every scenario (workers, emulators, runbooks still open), then the connections. */
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** The address of the dev server `npm test` started for the e2e files. */
export function temporalAddressForTests(): string {
  const address = process.env.IMPLY_TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error(
      'IMPLY_TEST_TEMPORAL_ADDRESS is not set: run end-to-end tests through npm test ' +
        '(npm test -- test/e2e/<file>.test.ts), which starts a Temporal dev server for them',
    );
  }
  return address;
}

/** A cluster name no other test uses: workflow ids (`lifecycle:<name>`) are shared by the whole server. */
export function uniqueClusterName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The tutorial's cluster under another name (or its own), with fast waits and no stop or delete. */
export function lifecycleInput(name: string, overrides: Partial<LifecycleInput> = {}): LifecycleInput {
  return {
    cluster: { ...TUTORIAL_CLUSTER, metadata: { name } },
    scale: [],
    wait: FAST_WAIT,
    ...overrides,
  };
}

/**
 * The change runbook (`change:<uid>`) that holds a lifecycle's scale approval, once it waits at
 * its gate: where approvals, audits and pending queries go since the lifecycle composes it.
 */
export async function approvalGateOf(
  client: Client,
  lifecycle: WorkflowHandle,
  timeoutMs = 30_000,
): Promise<WorkflowHandle<typeof changeRunbook>> {
  return eventually(
    `${lifecycle.workflowId} waiting at its scale approval`,
    async () => {
      const progress = await lifecycle.query(runbookProgressQuery);
      if (!progress.child) return undefined;
      const gate = client.workflow.getHandle<typeof changeRunbook>(progress.child);
      return (await gate.query(pendingApprovalQuery)) ? gate : undefined;
    },
    { timeoutMs },
  );
}

/** Polls `check` until it returns a value other than undefined; fails naming `what` after the timeout. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 15_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${what}: not seen within ${timeoutMs} ms${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Connects to the tests' dev server; call in `before`, and `close()` in `after`. With `codecKeys`,
 * the client and every worker encrypt payloads (dataConverterFromEnv), as a deployment would.
 */
export async function createE2eEnvironment(options: { codecKeys?: string } = {}): Promise<E2eEnvironment> {
  const address = temporalAddressForTests();
  if (!runtimeInstalled) {
    // Retried activity failures are the point of some tests: keep core's warnings about them quiet.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
    runtimeInstalled = true;
  }
  const namespace = DEFAULT_NAMESPACE;
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const codecEnv: Record<string, string> = options.codecKeys
    ? { IMPLY_RUNBOOKS_CODEC_KEYS: options.codecKeys }
    : {};
  const client = new Client({
    connection: clientConnection,
    namespace,
    dataConverter: dataConverterFromEnv(codecEnv),
  });
  const teardowns: Array<() => Promise<void>> = [];
  const environment: E2eEnvironment = {
    client,
    connection,
    namespace,
    address,
    codecEnv,
    async scenario(options = {}) {
      const { scenario, teardown } = await createScenario(environment, options);
      teardowns.push(teardown);
      return scenario;
    },
    async close() {
      for (const teardown of teardowns.reverse()) await teardown().catch(() => {});
      await clientConnection.close();
      await connection.close();
    },
  };
  return environment;
}

async function createScenario(environment: E2eEnvironment, options: ScenarioOptions) {
  const token = `e2e_${randomBytes(16).toString('hex')}`;
  const emulator = await startEmulator({
    port: 0,
    transitionMs: options.transitionMs ?? 200,
    tokens: [{ token }],
    faults: options.faults,
  });
  const api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(token) });
  const taskQueue = `e2e-${randomUUID()}`;
  const workers: Array<() => Promise<void>> = [];
  const handles: LifecycleHandle[] = [];
  const scenario: Scenario = {
    emulator,
    token,
    api,
    taskQueue,
    async startWorker() {
      const worker = await createWorker({
        connection: environment.connection,
        namespace: environment.namespace,
        taskQueue,
        activities: createActivities({
          api,
          temporal: { client: environment.client, namespace: environment.namespace },
        }),
        shutdownGraceTime: '1s',
        dataConverter: dataConverterFromEnv(environment.codecEnv),
      });
      const running = worker.run();
      workers.push(async () => {
        worker.shutdown();
        await running;
      });
    },
    async startWorkerProcess(processOptions = {}) {
      const env = { ...environment.codecEnv, ...processOptions.env };
      const worker = await spawnWorkerProcess(environment.address, emulator.apiUrl, token, taskQueue, {
        ...processOptions,
        env,
      });
      workers.push(() => worker.kill());
      return worker;
    },
    async startRunbook(input) {
      const handle = await environment.client.workflow.start<typeof lifecycleRunbook>(
        'lifecycleRunbook',
        lifecycleStartOptions(input, taskQueue),
      );
      handles.push(handle);
      return handle;
    },
  };
  const teardown = async () => {
    // A failed test may leave its runbook open: end it so no worker of a later test picks it up.
    for (const handle of handles) await handle.terminate('e2e teardown').catch(() => {});
    for (const stop of workers) await stop().catch(() => {});
    await emulator.close();
  };
  return { scenario, teardown };
}

/** The worker as people run it, with only the variables it needs (no stray IMPLY_* or TEMPORAL_*). */
async function spawnWorkerProcess(
  address: string,
  apiUrl: string,
  token: string,
  taskQueue: string,
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(IMPLY_|TEMPORAL_)/.test(key)),
  );
  Object.assign(env, {
    TEMPORAL_ADDRESS: address,
    IMPLY_API_URL: apiUrl,
    IMPLY_TOKEN: token,
    IMPLY_RUNBOOKS_LOG_LEVEL: 'ERROR',
    ...options.env,
  });
  const managed = spawnManaged(process.execPath, [BIN, 'worker', '--task-queue', taskQueue], {
    env,
    cwd: ROOT,
    ownProcessGroup: true,
    onLine: options.onLine,
  });
  try {
    await waitForLine(managed, (line) => line.includes('Worker ready'), 120_000, '"Worker ready"');
  } catch (error) {
    managed.kill();
    throw error;
  }
  return {
    process: managed,
    async kill() {
      managed.kill();
      await managed.exited;
    },
  };
}

/**
 * `imply-runbooks keep-alive <cluster> --until 36h` as bob, through the real CLI with `env`, then
 * waits until `keep-alive list` (visibility) shows a keep-alive: what a fleet run reads.
 */
export async function keepAliveThroughCli(env: Record<string, string>, clusterId: string, cwd?: string) {
  const kept = await runCli(
    ['keep-alive', clusterId, '--until', '36h', '--reason', 'demo', '--as', 'bob'],
    env,
    cwd,
  );
  assert.equal(kept.code, 0, kept.stderr);
  await eventually('the keep-alive in visibility', async () => {
    const listed = await runCli(['keep-alive', 'list', '--json'], env, cwd);
    return (JSON.parse(listed.stdout || '[]') as unknown[]).length > 0 ? true : undefined;
  });
}
