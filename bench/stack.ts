import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { StaticTokenProvider } from '../src/cloud-manager/auth';
import { CloudManagerClient } from '../src/cloud-manager/client';
import { startEmulator, type FaultConfig, type RunningEmulator } from '../src/emulator/server';
import { DEFAULT_NAMESPACE } from '../src/shared/constants';
import { SEARCH_ATTRIBUTE_FLAGS } from '../src/shared/search-attributes';
import { startDevServer, type DevServer } from '../src/dev/dev-server';
import { createWorker } from '../src/worker';

/**
 * What every benchmark runs on: a Temporal dev server of its own (in memory, headless), one client,
 * and emulators started per measurement so each starts empty with a fresh request log.
 */
export interface BenchStack {
  client: Client;
  address: string;
  namespace: string;
  /** The bearer token every emulator of this run accepts and every worker holds. */
  token: string;
  startEmulator(options: { transitionMs: number; faults?: Partial<FaultConfig> }): Promise<BenchEmulator>;
  /** A worker in this process on a fresh task queue, over `api`; returns the queue and a stop. */
  startWorker(api: CloudManagerClient): Promise<{ taskQueue: string; stop: () => Promise<void> }>;
  close(): Promise<void>;
}

export interface BenchEmulator {
  emulator: RunningEmulator;
  /** A client with this run's token, as the worker uses it. */
  api: CloudManagerClient;
}

let runtimeInstalled = false;

/** Installs the Temporal runtime once per process (safe to call again), quiet: retried 429s are part of the benchmark. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  runtimeInstalled = true;
}

/** Starts the dev server and connects; `close()` stops everything it started. Not idempotent. */
export async function startBenchStack(): Promise<BenchStack> {
  installQuietRuntime();
  const server: DevServer = await startDevServer({
    port: 0,
    headless: true,
    searchAttributes: SEARCH_ATTRIBUTE_FLAGS,
    log: () => {},
  });
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
  const token = `bench_${randomBytes(16).toString('hex')}`;
  const emulators: RunningEmulator[] = [];
  return {
    client,
    address: server.address,
    namespace: DEFAULT_NAMESPACE,
    token,
    async startEmulator({ transitionMs, faults }) {
      const emulator = await startEmulator({ port: 0, transitionMs, tokens: [{ token }], faults });
      emulators.push(emulator);
      const api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(token) });
      return { emulator, api };
    },
    async startWorker(api) {
      const taskQueue = `bench-${randomUUID()}`;
      const worker = await createWorker({
        connection: nativeConnection,
        namespace: DEFAULT_NAMESPACE,
        taskQueue,
        activities: createActivities({ api, temporal: { client, namespace: DEFAULT_NAMESPACE } }),
        shutdownGraceTime: '1s',
      });
      const running = worker.run();
      return {
        taskQueue,
        stop: async () => {
          worker.shutdown();
          await running;
        },
      };
    },
    async close() {
      for (const emulator of emulators) await emulator.close().catch(() => {});
      await nativeConnection.close().catch(() => {});
      await connection.close().catch(() => {});
      await server.stop();
    },
  };
}
