import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, webSettings, type Config } from '../config';
import { startEmulator } from '../emulator/server';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../shared/constants';
import { SEARCH_ATTRIBUTE_FLAGS } from '../shared/search-attributes';
import { projectRoot } from './cli-path';
import { startDevServer, type DevServer } from './dev-server';
import { assertPortFree } from './ports';
import { startSupervisedWorker, type SupervisedWorker } from './worker-process';
import { LOGINS_FILE, startDevWeb, type DevWeb } from './dev-web';
import { ensureTokens } from '../web/tokens';

export interface DevStackOptions {
  temporalPort: number;
  uiPort: number;
  emulatorPort: number;
  /** The approvals page's port; default 8787, 0 picks a free one. */
  webPort?: number;
  /** Default: loadConfig() from the project folder, as the worker reads it. */
  config?: Config;
  transitionMs: number;
  dataDir: string;
  /** Delete the stack's files in dataDir before starting. */
  fresh: boolean;
  /** Show the server, emulator and worker logs. */
  verbose: boolean;
  /** Progress lines for the screen. */
  print: (line: string) => void;
  /** Aborting it cancels a start in progress (the worker's can take a while). */
  signal?: AbortSignal;
}

export interface DevStack {
  temporal: DevServer;
  emulatorApiUrl: string;
  /** Shell file with the exports, the local token among them (mode 600). */
  envFile: string;
  worker: SupervisedWorker;
  /** The approvals page, its users' sign-in links and the file holding them. */
  web: DevWeb;
  /** Stops the worker, the emulator, then Temporal, printing each. Safe to call twice. */
  stop(): Promise<void>;
  /** Resolves with a message if the Temporal server ends before stop() was called. */
  failed: Promise<string>;
}

const HOST = '127.0.0.1';
const DEFAULT_WEB_PORT = 8787;
/** The files the stack writes in its data folder: all that --fresh deletes. */
const STACK_FILES = ['temporal.sqlite', 'emulator.sqlite', 'env.sh', LOGINS_FILE];

function prepareDataDir(options: DevStackOptions): void {
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (!options.fresh) return;
  for (const name of fs.readdirSync(options.dataDir)) {
    if (STACK_FILES.some((file) => name === file || name.startsWith(`${file}-`))) {
      fs.rmSync(path.join(options.dataDir, name), { force: true });
    }
  }
  options.print(`[dev] --fresh: cleared ${STACK_FILES.join(', ')} in ${options.dataDir}`);
}

async function checkPorts(options: DevStackOptions): Promise<void> {
  const flags: Array<[string, number]> = [
    ['--temporal-port', options.temporalPort],
    ['--ui-port', options.uiPort],
    ['--emulator-port', options.emulatorPort],
    ['--web-port', options.webPort ?? DEFAULT_WEB_PORT],
  ];
  for (const [flag, port] of flags) {
    const clash = flags.find(([other, otherPort]) => other !== flag && otherPort === port && port !== 0);
    if (clash) throw new Error(`${flag} and ${clash[0]} are both ${port}: give each its own port`);
  }
  await assertPortFree(options.emulatorPort, HOST, `pass --emulator-port <port>`);
  await assertPortFree(options.webPort ?? DEFAULT_WEB_PORT, HOST, `pass --web-port <port>`);
}

async function checkEmulator(apiUrl: string, token: string): Promise<void> {
  const response = await fetch(`${apiUrl}/clusters`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`emulator answered HTTP ${response.status} to GET ${apiUrl}/clusters`);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function writeEnvFile(file: string, exports: Record<string, string>): void {
  const lines = Object.entries(exports).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  const command = [process.execPath, path.join(projectRoot(), 'bin', 'imply-runbooks.js')]
    .map(shellQuote)
    .join(' ');
  // A function rather than an alias: it works on the same command line as the `source` (an alias would not).
  const body = [
    '# Written by imply-runbooks dev: the local stack, with the emulator and login tokens. Keep it private.',
    ...lines,
    `command -v imply-runbooks >/dev/null 2>&1 || imply-runbooks() { ${command} "$@"; }`,
  ];
  fs.writeFileSync(file, `${body.join('\n')}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** The worker's environment: the local stack's settings, none of a real Temporal's credentials. */
function workerEnv(values: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...values };
  for (const name of Object.keys(env)) {
    if (/^TEMPORAL_(API_KEY|TLS|PROFILE|CONFIG_FILE|ENV)/.test(name)) delete env[name];
  }
  return env;
}

type Cleanups = Array<() => Promise<void>>;

async function startTemporal(options: DevStackOptions, cleanups: Cleanups): Promise<DevServer> {
  const temporal = await startDevServer({
    port: options.temporalPort,
    uiPort: options.uiPort,
    dbFile: path.join(options.dataDir, 'temporal.sqlite'),
    namespace: DEFAULT_NAMESPACE,
    searchAttributes: SEARCH_ATTRIBUTE_FLAGS,
    log: options.verbose ? (line) => options.print(`[temporal] ${line}`) : undefined,
    ownProcessGroup: true,
    portHints: { port: '--temporal-port <port>', uiPort: '--ui-port <port>' },
  });
  cleanups.push(async () => {
    await temporal.stop();
    options.print('[temporal] stopped');
  });
  options.print(`[temporal] ready at ${temporal.address}${temporal.uiUrl ? ` (UI ${temporal.uiUrl})` : ''}`);
  return temporal;
}

async function startLocalEmulator(
  options: DevStackOptions,
  token: string,
  cleanups: Cleanups,
): Promise<string> {
  const emulator = await startEmulator({
    host: HOST,
    port: options.emulatorPort,
    tokens: [{ token }],
    transitionMs: options.transitionMs,
    dbPath: path.join(options.dataDir, 'emulator.sqlite'),
    // The local stack is for trying faults out: its admin endpoints are on, on loopback.
    admin: true,
    log: options.verbose ? (line: string) => options.print(`[emulator] ${line}`) : () => {},
  });
  cleanups.push(async () => {
    await emulator.close();
    options.print('[emulator] stopped');
  });
  await checkEmulator(emulator.apiUrl, token);
  options.print(`[emulator] ready at ${emulator.apiUrl} (transitions take ${options.transitionMs} ms)`);
  return emulator.apiUrl;
}

async function startWorker(
  options: DevStackOptions,
  exports: Record<string, string>,
  cleanups: Cleanups,
): Promise<SupervisedWorker> {
  const root = projectRoot();
  const worker = await startSupervisedWorker({
    command: process.execPath,
    args: [path.join(root, 'bin', 'imply-runbooks.js'), 'worker'],
    env: workerEnv(exports),
    cwd: root,
    readyText: 'Worker ready',
    // The worker's own errors go to stderr: show them even when not verbose.
    onLine: (line, stream) => {
      if (options.verbose || stream === 'stderr') options.print(`[worker] ${line}`);
    },
    onEvent: (message) => options.print(`[worker] ${message}`),
    signal: options.signal,
  });
  cleanups.push(async () => {
    await worker.stop();
    options.print('[worker] stopped');
  });
  options.print(`[worker] ready (pid ${worker.pid()})`);
  return worker;
}

async function startWeb(
  options: DevStackOptions,
  temporal: DevServer,
  web: { config: Config; tokens: Record<string, string> },
  triggerEnv: Record<string, string>,
  cleanups: Cleanups,
): Promise<DevWeb> {
  const devWeb = await startDevWeb({
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    taskQueue: process.env.IMPLY_RUNBOOKS_TASK_QUEUE?.trim() || DEFAULT_TASK_QUEUE,
    host: HOST,
    port: options.webPort ?? DEFAULT_WEB_PORT,
    config: web.config,
    tokens: web.tokens,
    dataDir: options.dataDir,
    print: options.print,
    triggerEnv,
  });
  cleanups.push(async () => {
    await devWeb.close();
    options.print('[web] stopped');
  });
  return devWeb;
}

/**
 * Starts Temporal (SQLite in dataDir), the emulator (SQLite in dataDir), a supervised worker and the
 * approvals page, each healthy before the next. Starts new processes and writes dataDir/env.sh and
 * dataDir/web-logins.txt: not idempotent.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  // Read first: a bad configuration file stops the start before anything runs.
  const config = options.config ?? loadConfig({ cwd: projectRoot() });
  // The page's login tokens go in env.sh (so `imply-runbooks web` there accepts them), not to the worker.
  const web = { config, ...ensureTokens(webSettings(config)) };
  prepareDataDir(options);
  await checkPorts(options);
  const cleanups: Cleanups = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const temporal = await startTemporal(options, cleanups);
    const token = `local-${randomBytes(24).toString('base64url')}`;
    const emulatorApiUrl = await startLocalEmulator(options, token, cleanups);
    const exports = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      IMPLY_API_URL: emulatorApiUrl,
      IMPLY_TOKEN: token,
    };
    // Links in notifications and CLI output point at the page's real port (a config file's publicUrl wins).
    const webPort = options.webPort ?? DEFAULT_WEB_PORT;
    const webUrl: Record<string, string> =
      !config.source && webPort !== 0 ? { IMPLY_RUNBOOKS_WEB_URL: `http://${HOST}:${webPort}` } : {};
    const worker = await startWorker(options, { ...exports, ...webUrl }, cleanups);
    // The trigger endpoint (POST /api/triggers/scale) takes this bearer token; it is in env.sh.
    const triggerToken = { IMPLY_RUNBOOKS_TRIGGER_TOKEN: `trigger-${randomBytes(24).toString('base64url')}` };
    const devWeb = await startWeb(options, temporal, web, { ...exports, ...triggerToken }, cleanups);
    const envFile = path.join(options.dataDir, 'env.sh');
    const pageUrl: Record<string, string> = config.source ? {} : { IMPLY_RUNBOOKS_WEB_URL: devWeb.publicUrl };
    writeEnvFile(envFile, { ...exports, ...pageUrl, ...triggerToken, ...web.exports });
    let stopping: Promise<void> | undefined;
    const failed = temporal.exited.then((how) =>
      stopping ? new Promise<string>(() => {}) : `[temporal] the server ended on its own (${how})`,
    );
    return {
      temporal,
      emulatorApiUrl,
      envFile,
      worker,
      web: devWeb,
      failed,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
