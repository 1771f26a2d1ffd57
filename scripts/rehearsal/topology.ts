import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { ManagedProcess } from '../../src/dev/supervisor';
import { startSupervisedWorker, type SupervisedWorker } from '../../src/dev/worker-process';
import { imageTag, loadCompose, service, type ComposeService } from './compose';
import { HostMap, type Instance } from './hosts';
import { imageFacts, type ImageInputs } from './images';
import { ensurePostgresInstalled, startPostgres, type NativePostgres } from './postgres';
import { runOneShot, startLongRunning, untilHealthy } from './run-service';
import { ensureTemporalServer } from '../build-temporal-server';

/**
 * docker-compose.yml brought up natively, in the compose file's order: postgresql, temporal-schema,
 * temporal, temporal-setup, then the emulator (profile `emulator`), the workers and the web servers.
 */

const ROOT = path.resolve(__dirname, '../..');

export interface TopologyOptions {
  workers: number;
  webServers: number;
  log: (line: string) => void;
  /** Every line a product process prints, for the secret scan and for problems. */
  output: string[];
}

/** A worker replica under compose's `restart: unless-stopped` (the product's own supervisor). */
export interface RehearsalWorker {
  /** SIGKILL now; it is started again. */
  kill(): void;
  /** Resolves once the process after the `restart`-th kill polls again. */
  readyAgain(restart: number): Promise<void>;
  metricsUrl: string;
}

export interface Topology {
  client: Client;
  temporalAddress: string;
  postgres: NativePostgres;
  emulatorUrl: string;
  webUrls: string[];
  workers: RehearsalWorker[];
  /** The rehearsal's own .env: what a user writes there (secrets made up per run). */
  settings: Record<string, string>;
  /** The environment the compose file was resolved against; the CLI runs with the worker's. */
  cliEnvironment: NodeJS.ProcessEnv;
  temporalVersion: string;
  buildSeconds: number;
  close(): Promise<void>;
}

/** What a user would put in .env to run the compose file against the emulator. New secrets each run. */
function rehearsalSettings(): Record<string, string> {
  const secret = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;
  return {
    TEMPORAL_DB_PASSWORD: secret('db'),
    IMPLY_API_URL: 'http://emulator:8080/api/v1',
    IMPLY_TOKEN: secret('imply'),
    IMPLY_RUNBOOKS_TOKEN_ALICE: secret('web'),
    IMPLY_RUNBOOKS_TOKEN_BOB: secret('web'),
    IMPLY_RUNBOOKS_TRIGGER_TOKEN: secret('trigger'),
    IMPLY_RUNBOOKS_SESSION_SECRET: secret('session'),
    IMPLY_RUNBOOKS_LOG_LEVEL: 'WARN',
  };
}

function bundle(directory: string): Promise<void> {
  const file = path.join(directory, 'workflow-bundle.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bundle-workflows.ts', file], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`bundling the workflows: exit ${code}`)),
    );
  });
}

async function startWorker(
  hosts: HostMap,
  item: Instance,
  output: string[],
): Promise<RehearsalWorker & { supervised: SupervisedWorker }> {
  const [command, ...args] = hosts.commandLine(item);
  let readyRestarts = 0;
  const supervised = await startSupervisedWorker({
    command: command!,
    args,
    env: hosts.environment(item),
    cwd: item.cwd,
    readyText: 'Worker ready',
    onLine: (line) => output.push(`[${item.name}] ${line}`),
    onEvent: (message) => {
      output.push(`[${item.name}] [compose restart] ${message}`);
      if (message.startsWith('ready again')) readyRestarts += 1;
    },
    initialBackoffMs: 200,
    maxBackoffMs: 2_000,
    stopGraceMs: 30_000,
  });
  return {
    supervised,
    kill: () => process.kill(supervised.pid(), 'SIGKILL'),
    async readyAgain(restart) {
      while (readyRestarts < restart) await delay(100);
    },
    metricsUrl: `http://127.0.0.1:${item.ports.get(9464)}/metrics`,
  };
}

/** docker-compose.yml read as compose reads it, with the rehearsal's .env beneath the shell's variables. */
function composeServices(settings: Record<string, string>) {
  // As docker-compose: the shell's variables win over the .env file's.
  const env = { ...settings, ...process.env };
  return { env, services: loadCompose(path.join(ROOT, 'docker-compose.yml'), env) };
}

/** Brings the whole compose file up. On failure, what started is stopped again. Not idempotent. */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const { log } = options;
  const settings = rehearsalSettings();
  const { env, services } = composeServices(settings);
  const dataDirectory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-rehearsal-'));
  chmodSync(dataDirectory, 0o755);
  const stops: Array<() => Promise<void> | void> = [
    () => rmSync(dataDirectory, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await Promise.resolve(stop()).catch(() => {});
  };
  try {
    const temporalImage = service(services, 'temporal').image;
    const version = imageTag(temporalImage);
    const build = ensureTemporalServer(version, log);
    const inputs: ImageInputs = {
      build,
      temporalCliDirectory: path.join(ROOT, '.tools', 'temporal', 'bin'),
      bundleDirectory: path.join(dataDirectory, 'bundle'),
    };
    const bundled = bundle(inputs.bundleDirectory);
    const hosts = new HostMap(dataDirectory);
    const instance = (composeService: ComposeService, replica = 1) =>
      hosts.instance(
        composeService,
        imageFacts(composeService.image, composeService.builtHere, inputs),
        replica,
      );
    const long = async (item: Instance) => {
      const started = startLongRunning(hosts, item, (line) => options.output.push(`[${item.name}] ${line}`));
      stops.push(() => void started.stop(10_000));
      await untilHealthy(hosts, item, 120_000, started);
      return started;
    };

    ensurePostgresInstalled(log);
    const pg = await instance(service(services, 'postgresql'));
    const postgres = startPostgres(pg, imageTag(pg.service.image));
    stops.push(() => postgres.stop());
    await untilHealthy(hosts, pg, 60_000);
    log(
      `postgresql: PostgreSQL ${postgres.version} on 127.0.0.1:${postgres.port} (compose: ${pg.service.image})`,
    );

    await runOneShot(hosts, await instance(service(services, 'temporal-schema')), log);
    const temporal = await instance(service(services, 'temporal'));
    const server: ManagedProcess = startLongRunning(hosts, temporal, (line) =>
      options.output.push(`[temporal] ${line}`),
    );
    stops.push(() => void server.stop(20_000));
    await untilHealthy(hosts, temporal, 180_000, server);
    const temporalAddress = `127.0.0.1:${temporal.ports.get(7233)}`;
    log(`temporal: Temporal server ${version} (frontend, history, matching, worker) on ${temporalAddress}`);
    await runOneShot(hosts, await instance(service(services, 'temporal-setup')), log);

    const emulator = await instance(service(services, 'emulator'));
    await long(emulator);
    const emulatorUrl = `http://127.0.0.1:${emulator.ports.get(8080)}`;
    await bundled;
    const workers: RehearsalWorker[] = [];
    const workerService = service(services, 'worker');
    let cliEnvironment: NodeJS.ProcessEnv = {};
    for (let replica = 1; replica <= options.workers; replica++) {
      const item = await instance(workerService, replica);
      cliEnvironment = hosts.environment(item);
      const worker = await startWorker(hosts, item, options.output);
      stops.push(() => worker.supervised.stop());
      await untilHealthy(hosts, item, 60_000);
      workers.push(worker);
    }
    const webUrls: string[] = [];
    for (let replica = 1; replica <= options.webServers; replica++) {
      const item = await instance(service(services, 'web'), replica);
      await long(item);
      webUrls.push(`http://127.0.0.1:${item.ports.get(8787)}`);
    }
    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default' });
    return {
      client,
      temporalAddress,
      postgres,
      emulatorUrl,
      webUrls,
      workers,
      settings,
      cliEnvironment,
      temporalVersion: version,
      buildSeconds: build.buildSeconds,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
