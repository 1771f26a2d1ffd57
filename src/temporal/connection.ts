import fs from 'node:fs';
import { inspect } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { NativeConnection } from '@temporalio/worker';
import { dataConverterFromEnv } from '../codec/data-converter';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../shared/constants';

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

export interface TemporalTlsSettings {
  clientCertPath?: string;
  clientKeyPath?: string;
  serverCaCertPath?: string;
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

function readBoolean(env: NodeJS.ProcessEnv, name: string, problems: string[]): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  problems.push(`${name}=${env[name]} is not a boolean: use true or false`);
  return undefined;
}

function readAddress(env: NodeJS.ProcessEnv, problems: string[]): string {
  const address = env.TEMPORAL_ADDRESS?.trim() || DEFAULT_ADDRESS;
  const match = ADDRESS_PATTERN.exec(address);
  const port = match?.[3] === undefined ? 7233 : Number(match[3]);
  if (!match || port < 1 || port > 65535) {
    problems.push(`TEMPORAL_ADDRESS=${address} is not host:port (for example 127.0.0.1:7233, no http://)`);
  }
  return address;
}

function readFilePath(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const file = env[name]?.trim();
  if (!file) return undefined;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    problems.push(`${name}=${file} is not a readable file: fix the path or unset it`);
  }
  return file;
}

function readTls(
  env: NodeJS.ProcessEnv,
  hasApiKey: boolean,
  problems: string[],
): TemporalTlsSettings | undefined {
  const enabled = readBoolean(env, 'TEMPORAL_TLS', problems);
  const tls: TemporalTlsSettings = {
    clientCertPath: readFilePath(env, 'TEMPORAL_TLS_CLIENT_CERT_PATH', problems),
    clientKeyPath: readFilePath(env, 'TEMPORAL_TLS_CLIENT_KEY_PATH', problems),
    serverCaCertPath: readFilePath(env, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', problems),
    serverName: env.TEMPORAL_TLS_SERVER_NAME?.trim() || undefined,
  };
  if (Boolean(tls.clientCertPath) !== Boolean(tls.clientKeyPath)) {
    problems.push(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both or neither',
    );
  }
  const hasTlsOptions = Object.values(tls).some((value) => value !== undefined);
  if (enabled === false && hasTlsOptions) {
    problems.push('TEMPORAL_TLS=false conflicts with the TEMPORAL_TLS_* paths or server name that are set');
  }
  // Like the Temporal CLI: TLS is on when asked for, or implied by an API key or TLS options.
  const on = enabled ?? (hasApiKey || hasTlsOptions);
  return on ? tls : undefined;
}

/**
 * Reads Temporal connection settings from the standard TEMPORAL_* variables plus
 * IMPLY_RUNBOOKS_TASK_QUEUE; throws one error naming every bad variable. Reads only.
 */
export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const problems: string[] = [];
  const address = readAddress(env, problems);
  const namespace = env.TEMPORAL_NAMESPACE?.trim() || DEFAULT_NAMESPACE;
  const taskQueue = env.IMPLY_RUNBOOKS_TASK_QUEUE?.trim() || DEFAULT_TASK_QUEUE;
  const apiKeyText = env.TEMPORAL_API_KEY?.trim();
  const tls = readTls(env, Boolean(apiKeyText), problems);
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

async function readTlsFile(file: string | undefined, variable: string): Promise<Buffer | undefined> {
  if (!file) return undefined;
  try {
    return await fs.promises.readFile(file);
  } catch (error) {
    throw new Error(`cannot read ${variable}=${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The SDK's TLS option for these settings; reads the certificate files. Safe to retry. */
export async function tlsConfigFor(settings: TemporalSettings): Promise<TLSConfig | undefined> {
  if (!settings.tls) return undefined;
  const { clientCertPath, clientKeyPath, serverCaCertPath, serverName } = settings.tls;
  const crt = await readTlsFile(clientCertPath, 'TEMPORAL_TLS_CLIENT_CERT_PATH');
  const key = await readTlsFile(clientKeyPath, 'TEMPORAL_TLS_CLIENT_KEY_PATH');
  return {
    serverNameOverride: serverName,
    serverRootCACertificate: await readTlsFile(serverCaCertPath, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
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
