import fs from 'node:fs';
import { inspect } from 'node:util';
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { ClientConfigProfile, ClientConfigTLS } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';
import { dataConverterFromEnv } from '../codec/data-converter';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../shared/constants';
import { loadTemporalProfile } from './temporal-profile';

/** A secret that prints as [redacted] in logs, JSON and util.inspect; reveal() gives the value. */
export class SecretValue {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** A certificate or key: a file to read, or its PEM text (from a `*_DATA` variable or the TOML file). */
export type PemSource = { path: string } | { data: string };

export interface TemporalTlsSettings {
  clientCert?: PemSource;
  clientKey?: PemSource;
  serverCaCert?: PemSource;
  serverName?: string;
}

export interface TemporalSettings {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: SecretValue;
  /** Undefined: plaintext (a local dev server). */
  tls?: TemporalTlsSettings;
  /** Payload encryption from IMPLY_RUNBOOKS_CODEC_KEYS (dataConverterFromEnv); undefined: none. */
  dataConverter?: DataConverter;
}

const DEFAULT_ADDRESS = '127.0.0.1:7233';
const ADDRESS_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}))?$/;

function checkAddress(address: string, problems: string[]): void {
  const match = ADDRESS_PATTERN.exec(address);
  const port = match?.[3] === undefined ? 7233 : Number(match[3]);
  if (!match || port < 1 || port > 65535) {
    problems.push(`TEMPORAL_ADDRESS=${address} is not host:port (for example 127.0.0.1:7233, no http://)`);
  }
}

function pemSource(source: ClientConfigTLS['clientCert']): PemSource | undefined {
  if (source === undefined) return undefined;
  if ('path' in source) return { path: source.path };
  const data = typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString('utf8');
  return { data };
}

function tlsFrom(profile: ClientConfigProfile, problems: string[]): TemporalTlsSettings | undefined {
  const tls: TemporalTlsSettings = {
    clientCert: pemSource(profile.tls?.clientCert),
    clientKey: pemSource(profile.tls?.clientKey),
    serverCaCert: pemSource(profile.tls?.serverCACert),
    serverName: profile.tls?.serverName,
  };
  if (Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
    problems.push(
      'a client certificate and its key go together (TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_*): set both or neither',
    );
  }
  const hasTlsOptions = Object.values(tls).some((value) => value !== undefined);
  if (profile.tls?.disabled === true && hasTlsOptions) {
    problems.push(
      'TEMPORAL_TLS=false conflicts with the TEMPORAL_TLS_* certificates or server name that are set',
    );
  }
  // As the Temporal CLI: TLS is on when asked for, or implied by an API key or TLS options.
  const on =
    profile.tls?.disabled === undefined ? Boolean(profile.apiKey) || hasTlsOptions : !profile.tls.disabled;
  return on ? tls : undefined;
}

/**
 * Reads Temporal connection settings the standard way (`@temporalio/envconfig`: the TEMPORAL_*
 * variables over a profile of the Temporal config file, see temporal-profile.ts) plus
 * IMPLY_RUNBOOKS_TASK_QUEUE; throws one error naming every bad variable. Reads only.
 */
export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const problems: string[] = [];
  const profile = loadTemporalProfile(env, problems) ?? {};
  const address = profile.address?.trim() || DEFAULT_ADDRESS;
  checkAddress(address, problems);
  const namespace = profile.namespace?.trim() || DEFAULT_NAMESPACE;
  const taskQueue = env.IMPLY_RUNBOOKS_TASK_QUEUE?.trim() || DEFAULT_TASK_QUEUE;
  const apiKeyText = profile.apiKey?.trim();
  const tls = tlsFrom(profile, problems);
  if (profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0) {
    problems.push('gRPC metadata (TEMPORAL_GRPC_META_* or grpc_meta) is not supported here: remove it');
  }
  const dataConverter = readDataConverter(env, problems);
  if (problems.length > 0) {
    throw new Error(`bad Temporal settings in the environment:\n  - ${problems.join('\n  - ')}`);
  }
  const settings: TemporalSettings = { address, namespace, taskQueue };
  if (apiKeyText) settings.apiKey = new SecretValue(apiKeyText);
  if (tls) settings.tls = tls;
  if (dataConverter) settings.dataConverter = dataConverter;
  return settings;
}

function readDataConverter(env: NodeJS.ProcessEnv, problems: string[]): DataConverter | undefined {
  try {
    return dataConverterFromEnv(env);
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}

/** One line describing the settings, without secrets, for logs and error messages. */
export function describeTemporalSettings(settings: TemporalSettings): string {
  const security = [settings.tls ? 'TLS' : 'plaintext', settings.apiKey ? 'API key set' : undefined];
  return `${settings.address}, namespace ${settings.namespace} (${security.filter(Boolean).join(', ')})`;
}

async function readPem(source: PemSource | undefined, what: string): Promise<Buffer | undefined> {
  if (!source) return undefined;
  if ('data' in source) return Buffer.from(source.data);
  try {
    return await fs.promises.readFile(source.path);
  } catch (error) {
    throw new Error(
      `cannot read the ${what} ${source.path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** The SDK's TLS option for these settings; reads the certificate files. Safe to retry. */
export async function tlsConfigFor(settings: TemporalSettings): Promise<TLSConfig | undefined> {
  if (!settings.tls) return undefined;
  const { clientCert, clientKey, serverCaCert, serverName } = settings.tls;
  const crt = await readPem(clientCert, 'client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)');
  const key = await readPem(clientKey, 'client key (TEMPORAL_TLS_CLIENT_KEY_PATH)');
  return {
    serverNameOverride: serverName,
    serverRootCACertificate: await readPem(
      serverCaCert,
      'server CA certificate (TEMPORAL_TLS_SERVER_CA_CERT_PATH)',
    ),
    clientCertPair: crt && key ? { crt, key } : undefined,
  };
}

function connectionFailure(settings: TemporalSettings, error: unknown): Error {
  let reason = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  if (cause instanceof Error && !reason.includes(cause.message)) reason += `: ${cause.message}`;
  const secret = settings.apiKey?.reveal();
  if (secret) reason = reason.split(secret).join('[redacted]');
  const checks = settings.tls
    ? 'TEMPORAL_ADDRESS, TEMPORAL_API_KEY or the TEMPORAL_TLS_* files, and that the namespace exists'
    : 'that the server runs (`npm start` starts a local one) and TEMPORAL_ADDRESS; for a TLS server set TEMPORAL_TLS=true';
  return new Error(
    `cannot connect to Temporal at ${describeTemporalSettings(settings)}: ${reason}. Check ${checks}.`,
  );
}

export interface ConnectOptions {
  /** How long to wait for the server to answer; default 10_000. */
  connectTimeoutMs?: number;
  /** The client's interceptors (tracing: src/observability/tracing.ts). */
  interceptors?: ClientInterceptors;
}

/** Opens a client connection (gRPC, pure JS) and a Client on the namespace. Safe to retry. */
export async function connectClient(
  settings: TemporalSettings,
  options: ConnectOptions = {},
): Promise<{ client: Client; connection: Connection }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: settings.address,
      tls: await tlsConfigFor(settings),
      apiKey: settings.apiKey?.reveal(),
      connectTimeout: options.connectTimeoutMs ?? 10_000,
    });
  } catch (error) {
    throw connectionFailure(settings, error);
  }
  const client = new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: settings.dataConverter,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
  });
  return { client, connection };
}

/** Opens the native connection a Worker polls through. Safe to retry. */
export async function connectWorkerConnection(settings: TemporalSettings): Promise<NativeConnection> {
  // Loaded here, not at the top: client-only commands need not load the worker's native module.
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await NativeConnection.connect({
      address: settings.address,
      tls: await tlsConfigFor(settings),
      apiKey: settings.apiKey?.reveal(),
    });
  } catch (error) {
    throw connectionFailure(settings, error);
  }
}
