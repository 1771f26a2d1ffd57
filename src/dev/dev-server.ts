import path from 'node:path';
import { findTemporalCli } from './cli-path';
import { waitUntilServing } from './health';
import { assertPortFree, assertValidPort, findFreePort } from './ports';
import { describeExit, spawnManaged, type ManagedProcess } from './supervisor';

export interface DevServerOptions {
  /** Default: findTemporalCli(). */
  cliPath?: string;
  /** Default 127.0.0.1. */
  ip?: string;
  /** Default 7233; 0 picks a free port. */
  port?: number;
  /** Default port + 1000 (a free port when port is 0); ignored when headless. */
  uiPort?: number;
  /** No web UI. */
  headless?: boolean;
  /** SQLite file that keeps the server's state across restarts; absent keeps it in memory. */
  dbFile?: string;
  /** Default 'default'; any other is created at start. */
  namespace?: string;
  /** `Name=Type` pairs, e.g. 'ImplyClusterId=Keyword', registered at start. */
  searchAttributes?: string[];
  /** Default 'warn'. */
  logLevel?: string;
  /** Receives the server's output lines; default discards them. */
  log?: (line: string) => void;
  /** Default 60_000. */
  startTimeoutMs?: number;
  /** Own process group, so a terminal Ctrl-C reaches only the caller, which then calls stop(). */
  ownProcessGroup?: boolean;
  /** Names the flag to change when a port is busy; default names the option. */
  portHints?: { port?: string; uiPort?: string };
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  /** Resolves with how the process ended ("exit code 1"), whether stopped or crashed. */
  exited: Promise<string>;
  /** Stops the server (SIGTERM, SIGKILL after a grace period). Safe to call more than once. */
  stop(): Promise<void>;
}

const SEARCH_ATTRIBUTE_PATTERN =
  /^[A-Za-z_][A-Za-z0-9_]*=(Text|Keyword|Int|Double|Bool|Datetime|KeywordList)$/;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'never'];
const STOP_GRACE_MS = 10_000;

interface ResolvedOptions {
  cliPath: string;
  ip: string;
  port: number;
  uiPort?: number;
  namespace: string;
  searchAttributes: string[];
  logLevel: string;
}

function validate(options: DevServerOptions): void {
  assertValidPort(options.port ?? 7233, 'port');
  if (options.uiPort !== undefined) assertValidPort(options.uiPort, 'uiPort');
  for (const pair of options.searchAttributes ?? []) {
    if (!SEARCH_ATTRIBUTE_PATTERN.test(pair)) {
      throw new Error(
        `searchAttributes entry "${pair}" is not Name=Type (Type one of Text, Keyword, Int, Double, Bool, Datetime, KeywordList)`,
      );
    }
  }
  if (options.logLevel !== undefined && !LOG_LEVELS.includes(options.logLevel)) {
    throw new Error(`logLevel "${options.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  if (options.namespace !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.namespace)) {
    throw new Error(`namespace "${options.namespace}" may hold only letters, digits, '.', '_' and '-'`);
  }
}

async function resolveOptions(options: DevServerOptions): Promise<ResolvedOptions> {
  validate(options);
  const ip = options.ip ?? '127.0.0.1';
  const hints = options.portHints ?? {};
  let port = options.port ?? 7233;
  if (port === 0) port = await findFreePort(ip);
  else await assertPortFree(port, ip, `another Temporal? pass ${hints.port ?? 'a different port'}`);
  let uiPort: number | undefined;
  if (!options.headless) {
    uiPort = options.uiPort ?? (options.port === 0 ? await findFreePort(ip) : port + 1000);
    if (uiPort === 0) uiPort = await findFreePort(ip);
    else await assertPortFree(uiPort, ip, `pass ${hints.uiPort ?? 'a different uiPort'}`);
  }
  return {
    cliPath: options.cliPath ?? findTemporalCli(),
    ip,
    port,
    uiPort,
    namespace: options.namespace ?? 'default',
    searchAttributes: options.searchAttributes ?? [],
    logLevel: options.logLevel ?? 'warn',
  };
}

function serverArguments(resolved: ResolvedOptions, options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', resolved.ip, '--port', String(resolved.port)];
  if (resolved.uiPort === undefined) args.push('--headless');
  // The UI otherwise fetches a news feed from the internet, which this machine may not reach.
  else args.push('--ui-port', String(resolved.uiPort), '--ui-disable-news-fetch');
  if (options.dbFile) args.push('--db-filename', path.resolve(options.dbFile));
  if (resolved.namespace !== 'default') args.push('--namespace', resolved.namespace);
  for (const pair of resolved.searchAttributes) args.push('--search-attribute', pair);
  args.push('--log-level', resolved.logLevel);
  return args;
}

/**
 * Starts `temporal server start-dev` and resolves once it answers with the namespace and search
 * attributes in place. Starts a new server each call: not idempotent; stop() it.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const resolved = await resolveOptions(options);
  const server = spawnManaged(resolved.cliPath, serverArguments(resolved, options), {
    onLine: options.log ? (line) => options.log?.(line) : undefined,
    ownProcessGroup: options.ownProcessGroup,
  });
  const address = `${resolved.ip}:${resolved.port}`;
  const uiUrl = resolved.uiPort === undefined ? undefined : `http://${resolved.ip}:${resolved.uiPort}`;
  try {
    await waitUntilServing({
      address,
      namespace: resolved.namespace,
      searchAttributeNames: resolved.searchAttributes.map((pair) => pair.split('=')[0] ?? pair),
      uiUrl,
      deadline: Date.now() + (options.startTimeoutMs ?? 60_000),
      stopped: server.exited.then((exit) => startFailure(server, `exited early (${describeExit(exit)})`)),
    });
  } catch (error) {
    await server.stop(STOP_GRACE_MS);
    throw error instanceof StartFailure ? error : startFailure(server, (error as Error).message);
  }
  return {
    address,
    namespace: resolved.namespace,
    uiUrl,
    pid: server.pid,
    exited: server.exited.then(describeExit),
    stop: async () => {
      await server.stop(STOP_GRACE_MS);
    },
  };
}

class StartFailure extends Error {}

function startFailure(server: ManagedProcess, reason: string): StartFailure {
  const tail = server.recentOutput().slice(-20);
  const output = tail.length > 0 ? `; its last output:\n${tail.join('\n')}` : '';
  return new StartFailure(`Temporal dev server ${reason}${output}`);
}
