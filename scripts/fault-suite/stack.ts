import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  startEmulator,
  type FaultConfig,
  type RequestLogEntry,
  type RunningEmulator,
} from '../../src/emulator/server';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../src/shared/search-attributes';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { startSupervisedWorker, type SupervisedWorker } from '../../src/dev/worker-process';

/**
 * What the fault suite runs against, all real: a Temporal dev server with SQLite persistence (so
 * it can be restarted), emulators with SQLite persistence (so they can be restarted), and
 * `imply-runbooks worker` processes under the product's own supervisor, which restarts them.
 */

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'imply-runbooks.js');
const CALLER_PRELOAD = path.join(__dirname, 'caller-header.ts');

export interface SuiteEmulator {
  apiUrl: string;
  /** Every request of every instance of this emulator, across restarts. */
  requestLog(): RequestLogEntry[];
  setFaults(faults: Partial<FaultConfig>): void;
  /** Closes the emulator (dropping requests in flight) and starts it again on its port and database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface SuiteWorker {
  /** SIGKILL now, no goodbye to the server; the supervisor starts a new process. */
  kill(): void;
  /** Resolves once the supervisor's new process after the `restart`-th kill polls again. */
  readyAgain(restart: number): Promise<void>;
  restarts(): number;
  /** SIGKILL and no restart: the worker is gone for good. */
  killForGood(): void;
}

export interface SuiteStack {
  client: Client;
  /** The bearer token every emulator accepts and every worker holds: what the secret scan looks for. */
  token: string;
  /** Every line every worker printed, for the secret scan. */
  workerOutput: string[];
  startEmulator(options: {
    transitionMs: number;
    faults?: Partial<FaultConfig>;
    seed?: number;
  }): Promise<SuiteEmulator>;
  /** `imply-runbooks worker` on the task queue, supervised (restarted after a crash or a SIGKILL). */
  startWorker(taskQueue: string, apiUrl: string): Promise<SuiteWorker>;
  /** Stops the Temporal server (SIGTERM) and starts it again on the same port and SQLite file. */
  restartTemporal(): Promise<void>;
  close(): Promise<void>;
}

function workerEnv(address: string, apiUrl: string, token: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(IMPLY_|TEMPORAL_)/.test(key)),
  );
  return {
    ...env,
    TEMPORAL_ADDRESS: address,
    IMPLY_API_URL: apiUrl,
    IMPLY_TOKEN: token,
    IMPLY_RUNBOOKS_LOG_LEVEL: 'WARN',
  };
}

async function startTemporal(dbFile: string, port: number): Promise<DevServer> {
  return startDevServer({
    port,
    headless: true,
    dbFile,
    searchAttributes: SEARCH_ATTRIBUTE_FLAGS,
    log: () => {},
  });
}

async function startSuiteEmulator(
  directory: string,
  token: string,
  options: { transitionMs: number; faults?: Partial<FaultConfig>; seed?: number },
): Promise<SuiteEmulator> {
  const dbPath = path.join(directory, `emulator-${randomBytes(4).toString('hex')}.sqlite`);
  let faults = options.faults ?? {};
  const start = (port: number) =>
    startEmulator({
      port,
      dbPath,
      tokens: [{ token }],
      transitionMs: options.transitionMs,
      faults,
      seed: options.seed,
    });
  let current: RunningEmulator = await start(0);
  const port = Number(new URL(current.url).port);
  const earlier: RequestLogEntry[] = [];
  return {
    apiUrl: current.apiUrl,
    requestLog: () => [...earlier, ...current.requestLog()],
    setFaults(changes) {
      faults = { ...faults, ...changes };
      current.setFaults(changes);
    },
    async restart() {
      earlier.push(...current.requestLog());
      await current.close();
      current = await start(port);
    },
    close: () => current.close(),
  };
}

/** Starts the Temporal server and a client; the caller starts emulators and workers per case. */
export async function startSuiteStack(): Promise<SuiteStack> {
  const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-faults-'));
  const dbFile = path.join(directory, 'temporal.sqlite');
  let temporal = await startTemporal(dbFile, 0);
  const address = temporal.address;
  const port = Number(address.split(':')[1]);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const token = `faults_${randomBytes(24).toString('base64url')}`;
  const workerOutput: string[] = [];
  const emulators: SuiteEmulator[] = [];
  const workers: SupervisedWorker[] = [];
  return {
    client,
    token,
    workerOutput,
    async startEmulator(options) {
      const emulator = await startSuiteEmulator(directory, token, options);
      emulators.push(emulator);
      return emulator;
    },
    async startWorker(taskQueue, apiUrl) {
      let readyRestarts = 0;
      const worker = await startSupervisedWorker({
        command: process.execPath,
        args: ['--require', 'tsx/cjs', '--require', CALLER_PRELOAD, BIN, 'worker', '--task-queue', taskQueue],
        env: workerEnv(address, apiUrl, token),
        cwd: ROOT,
        readyText: 'Worker ready',
        onLine: (line) => workerOutput.push(line),
        onEvent: (message) => {
          workerOutput.push(`[supervisor] ${message}`);
          if (message.startsWith('ready again')) readyRestarts += 1;
        },
        initialBackoffMs: 200,
        maxBackoffMs: 2_000,
        stableAfterMs: 5_000,
        stopGraceMs: 5_000,
      });
      workers.push(worker);
      return {
        kill: () => process.kill(worker.pid(), 'SIGKILL'),
        async readyAgain(restart) {
          while (readyRestarts < restart) await delay(100);
        },
        restarts: () => worker.restarts(),
        killForGood: () => worker.kill(),
      };
    },
    async restartTemporal() {
      await temporal.stop();
      temporal = await startTemporal(dbFile, port);
    },
    async close() {
      for (const worker of workers) await worker.stop().catch(() => {});
      for (const emulator of emulators) await emulator.close().catch(() => {});
      await connection.close().catch(() => {});
      await temporal.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
