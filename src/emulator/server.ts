import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenRegistry, type EmulatorOAuthClient, type EmulatorToken } from './auth';
import { ClusterPresentation } from './accept-lag';
import { ClusterService } from './cluster-service';
import { parseFaults, type FaultConfig } from './fault-config';
import { FaultInjector } from './faults';
import { ModeSettings, parseMode, type EmulatorMode } from './mode';
import { EmulatorHttpError } from './http-io';
import { createRequestHandler } from './request-handler';
import { RequestLog, type RequestLogEntry } from './request-log';
import { API_PREFIX } from './routes';
import { seedStore } from './seed';
import { ClusterStore } from './store';

/**
 * A local Imply Cloud Manager API: `startEmulator()` serves the API of cloud-manager-api.md on
 * 127.0.0.1 so people and tests run everything without an Imply account. See docs/emulator.md.
 */

export type { FaultConfig } from './fault-config';
export type { EmulatorMode } from './mode';
export type { RequestLogEntry } from './request-log';
export type { EmulatorOAuthClient, EmulatorToken } from './auth';
export { emulatorTokenUrl } from './token-endpoint';

/** The token `startEmulator()` accepts when given none. */
export const DEFAULT_EMULATOR_TOKEN = 'emulator-token';
export const DEFAULT_TRANSITION_MS = 3000;
export const DEFAULT_HOST = '127.0.0.1';

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (the default). */
  port?: number;
  /** Accepted bearer tokens; roles default to ['manage-clusters']. Default: DEFAULT_EMULATOR_TOKEN. */
  tokens?: EmulatorToken[];
  /** OAuth clients served by the client-credentials token endpoint (`/auth/realms/{org}/…/token`). */
  oauthClients?: EmulatorOAuthClient[];
  /** Lifetime of the tokens that endpoint issues, in seconds; default 300 (Imply Hybrid's default). */
  tokenTtlSeconds?: number;
  /** How long CREATING/UPDATING/STOPPING/STARTING/DELETING take; default 3000; 0 = instant. */
  transitionMs?: number;
  /** SQLite file: clusters, history and in-flight transitions survive a restart. Absent = memory. */
  dbPath?: string;
  faults?: Partial<FaultConfig>;
  /** Seed of the random fault draws, so runs are repeatable. */
  seed?: number;
  /** One line per request (method, path, status, ms); never the token. */
  log?: (line: string) => void;
  /**
   * Serve the unauthenticated /_emulator/ endpoints (faults, request log). Default off: they answer
   * 404. setFaults() and requestLog() below work either way.
   */
  admin?: boolean;
  /** Clusters carry spec and status fields we do not model, as the real API's do (docs/emulator.md, Modes). */
  realistic?: boolean;
  /** Start from the cluster answers `doctor --record` wrote in this folder (seed.ts). */
  seedFrom?: string;
  /** Answers leave `spec.desiredState` out, as the tutorial's outputs do. */
  tutorialOutputs?: boolean;
}

export interface RunningEmulator {
  /** http://HOST:PORT */
  url: string;
  /** url + '/api/v1' */
  apiUrl: string;
  close(): Promise<void>;
  setFaults(faults: Partial<FaultConfig>): void;
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
  /** Changes the mode, as `PUT /_emulator/mode` does; answers the mode now in force. */
  setMode(changes: Partial<EmulatorMode>): EmulatorMode;
}

function checkOptions(options: EmulatorOptions): {
  port: number;
  transitionMs: number;
  faults: Partial<FaultConfig>;
} {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `port must be a whole number from 0 to 65535 (0 = any free port); got ${String(options.port)}`,
    );
  }
  const transitionMs = options.transitionMs ?? DEFAULT_TRANSITION_MS;
  if (!Number.isInteger(transitionMs) || transitionMs < 0) {
    throw new Error(
      `transitionMs must be a whole number of milliseconds, 0 or more; got ${String(transitionMs)}`,
    );
  }
  return { port, transitionMs, faults: parseFaultOption(options.faults ?? {}) };
}

/** Start-up faults are checked like `PUT /_emulator/faults`, but fail as a plain Error. */
function parseFaultOption(faults: unknown): Partial<FaultConfig> {
  try {
    return parseFaults(faults);
  } catch (error) {
    throw error instanceof EmulatorHttpError ? new Error(error.message) : error;
  }
}

/** A mode set from code is checked like `PUT /_emulator/mode`, but fails as a plain Error. */
function parseModeOption(changes: unknown): Partial<EmulatorMode> {
  try {
    return parseMode(changes);
  } catch (error) {
    throw error instanceof EmulatorHttpError ? new Error(error.message) : error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        const busy = new Error(
          `port ${port} is in use on ${host}; pass --port (or port 0 for any free port)`,
        );
        reject(Object.assign(busy, { code: 'EADDRINUSE' }));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Starts the emulator and resolves once it listens. Each call is a separate emulator. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { port, transitionMs, faults: initialFaults } = checkOptions(options);
  const host = options.host ?? DEFAULT_HOST;
  const tokens = new TokenRegistry(
    options.tokens?.length || options.oauthClients?.length
      ? (options.tokens ?? [])
      : [{ token: DEFAULT_EMULATOR_TOKEN }],
    options.oauthClients ?? [],
    options.tokenTtlSeconds,
  );
  const seed = options.seed ?? randomInt(2 ** 31);
  const startedAt = Date.now();
  const store = new ClusterStore(options.dbPath);
  if (options.seedFrom) seedStore(store, options.seedFrom);
  const faults = new FaultInjector(initialFaults, seed);
  const mode = new ModeSettings({ realistic: options.realistic, tutorialOutputs: options.tutorialOutputs });
  const service = new ClusterService(
    store,
    transitionMs,
    (uid) => faults.takeFailNext(uid),
    new ClusterPresentation(() => faults.get()),
    () => mode.get(),
  );
  const requestLog = new RequestLog();
  const closing = new AbortController();
  const health = () => ({
    status: 'ok',
    clusters: store.size,
    transitionMs,
    persistent: store.persistent,
    seed,
    mode: mode.get(),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  });
  const admin = { faults, service, requestLog, health, mode };
  const server = createServer(
    createRequestHandler({
      service,
      faults,
      tokens,
      requestLog,
      admin,
      adminEnabled: options.admin ?? false,
      signal: closing.signal,
      log: options.log,
    }),
  );
  server.keepAliveTimeout = 5000;
  try {
    await listen(server, port, host);
  } catch (error) {
    service.close();
    store.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}${API_PREFIX}`,
    close() {
      closed ??= shutDown(server, closing, () => {
        service.close();
        store.close();
      });
      return closed;
    },
    setFaults: (changes) => void faults.set(parseFaultOption(changes)),
    requestLog: () => requestLog.list(),
    clearRequestLog: () => requestLog.clear(),
    setMode: (changes) => mode.set(parseModeOption(changes)),
  };
}

function shutDown(server: Server, closing: AbortController, release: () => void): Promise<void> {
  closing.abort();
  return new Promise((resolve) => {
    server.close(() => {
      release();
      resolve();
    });
    server.closeAllConnections();
  });
}
