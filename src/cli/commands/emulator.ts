import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_TOKEN_TTL_SECONDS, MANAGE_CLUSTERS_ROLE } from '../../emulator/auth';
import { startBanner, type TokenSource } from '../../emulator/banner';
import type { FaultConfig } from '../../emulator/fault-config';
import {
  DEFAULT_HOST,
  DEFAULT_TRANSITION_MS,
  startEmulator,
  type EmulatorOAuthClient,
  type EmulatorToken,
  type RunningEmulator,
} from '../../emulator/server';

/** `imply-runbooks emulator`: a local Cloud Manager API, for trying things without an Imply account. */

interface EmulatorFlags {
  port: number;
  host: string;
  token: EmulatorToken[];
  tokenTtl: number;
  staticTokenTtl?: number;
  transitionMs: number;
  db?: string;
  errorRate?: number;
  errorStatus?: 500 | 503;
  throttleRate?: number;
  retryAfter?: number;
  latencyMs?: number;
  latencyRate?: number;
  dropAfterCommitRate?: number;
  rateLimit?: number;
  acceptLagMs?: number;
  acceptLagBumpsVersion?: boolean;
  unknownState?: string;
  seed?: number;
  seedFrom?: string;
  quiet?: boolean;
  admin?: boolean;
  realistic?: boolean;
  tutorialOutputs?: boolean;
}

function wholeNumber(flag: string, minimum: number, maximum = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || value < minimum || value > maximum) {
      const range =
        maximum === Number.MAX_SAFE_INTEGER ? `${minimum} or more` : `from ${minimum} to ${maximum}`;
      throw new InvalidArgumentError(`${flag} must be a whole number, ${range}.`);
    }
    return value;
  };
}

function share(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new InvalidArgumentError(`${flag} must be a number from 0 to 1 (a share of requests), e.g. 0.1.`);
    }
    return value;
  };
}

function nonNegativeNumber(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`${flag} must be a number, 0 or more.`);
    }
    return value;
  };
}

function errorStatus(text: string): 500 | 503 {
  if (text !== '500' && text !== '503') throw new InvalidArgumentError('--error-status must be 500 or 503.');
  return Number(text) as 500 | 503;
}

/** `token` or `token:role1,role2`; repeatable. */
function collectToken(text: string, previous: EmulatorToken[]): EmulatorToken[] {
  const separator = text.lastIndexOf(':');
  const token = separator < 0 ? text : text.slice(0, separator);
  if (token.trim() === '')
    throw new InvalidArgumentError('--token needs a value: --token <token>[:role1,role2].');
  if (separator < 0) return [...previous, { token }];
  const roles = text
    .slice(separator + 1)
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role !== '');
  return [...previous, { token, roles }];
}

/** The faults the flags ask for, leaving out what they do not mention. Pure. */
export function faultsFromFlags(flags: EmulatorFlags): Partial<FaultConfig> {
  const faults: Partial<FaultConfig> = {
    errorRate: flags.errorRate,
    errorStatus: flags.errorStatus,
    throttleRate: flags.throttleRate,
    retryAfterSeconds: flags.retryAfter,
    latencyMs: flags.latencyMs,
    latencyRate: flags.latencyRate,
    dropAfterCommitRate: flags.dropAfterCommitRate,
    rateLimitPerSecond: flags.rateLimit,
    acceptLagMs: flags.acceptLagMs,
    acceptLagBumpsVersion: flags.acceptLagBumpsVersion,
    unknownTransitionState: flags.unknownState,
  };
  return Object.fromEntries(Object.entries(faults).filter(([, value]) => value !== undefined));
}

function chooseTokens(flags: EmulatorFlags): { tokens: EmulatorToken[]; source: TokenSource } {
  const ttlSeconds = flags.staticTokenTtl;
  const withLifetime = (tokens: EmulatorToken[]) => tokens.map((token) => ({ ...token, ttlSeconds }));
  if (flags.token.length > 0) return { tokens: withLifetime(flags.token), source: 'flag' };
  const fromEnvironment = process.env.IMPLY_TOKEN?.trim();
  if (fromEnvironment) return { tokens: withLifetime([{ token: fromEnvironment }]), source: 'environment' };
  const generated = `emu_${randomBytes(24).toString('base64url')}`;
  return { tokens: withLifetime([{ token: generated }]), source: 'generated' };
}

/** The OAuth client the token endpoint serves: IMPLY_CLIENT_ID and IMPLY_CLIENT_SECRET, when both are set. */
function oauthClientsFromEnv(): EmulatorOAuthClient[] {
  const clientId = process.env.IMPLY_CLIENT_ID?.trim();
  const clientSecret = process.env.IMPLY_CLIENT_SECRET?.trim();
  return clientId && clientSecret ? [{ clientId, clientSecret }] : [];
}

/** Listens for SIGINT/SIGTERM from the start, so a signal during start-up still stops cleanly. */
function listenForStop(): { stopped: Promise<NodeJS.Signals>; dispose(): void } {
  let resolveStop: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStop = resolve));
  const stop = (signal: NodeJS.Signals) => {
    dispose();
    resolveStop(signal);
  };
  const dispose = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { stopped, dispose };
}

/** Runs the emulator until SIGINT or SIGTERM; resolves to the exit code. */
export async function runEmulator(flags: EmulatorFlags): Promise<number> {
  const { tokens, source } = chooseTokens(flags);
  const oauthClients = oauthClientsFromEnv();
  const stop = listenForStop();
  let running: RunningEmulator;
  try {
    running = await startEmulator({
      host: flags.host,
      port: flags.port,
      tokens,
      oauthClients,
      seedFrom: flags.seedFrom,
      tokenTtlSeconds: flags.tokenTtl,
      transitionMs: flags.transitionMs,
      dbPath: flags.db,
      faults: faultsFromFlags(flags),
      seed: flags.seed,
      log: flags.quiet ? undefined : (line) => console.log(line),
      admin: flags.admin ?? false,
      realistic: flags.realistic ?? false,
      tutorialOutputs: flags.tutorialOutputs ?? false,
    });
  } catch (error) {
    stop.dispose();
    console.error(`imply-runbooks emulator: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const usable =
    tokens.find((token) => !token.roles || token.roles.includes(MANAGE_CLUSTERS_ROLE)) ?? tokens[0]!;
  console.log(
    startBanner({
      url: running.url,
      apiUrl: running.apiUrl,
      transitionMs: flags.transitionMs,
      dbPath: flags.db,
      token: usable.token,
      tokenSource: source,
      oauthClientId: oauthClients[0]?.clientId,
      tokenTtlSeconds: flags.tokenTtl,
      staticTokenTtlSeconds: flags.staticTokenTtl,
      admin: flags.admin ?? false,
    }),
  );
  const signal = await stop.stopped;
  console.log(`\n${signal}: stopping the emulator`);
  await running.close();
  return 0;
}

/** Adds `imply-runbooks emulator` to the program. */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run a local Imply Cloud Manager API emulator (docs/emulator.md)')
    .option('--port <port>', 'port to listen on; 0 = any free port', wholeNumber('--port', 0, 65535), 8080)
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option(
      '--token <token[:roles]>',
      'accepted bearer token, repeatable; roles default to manage-clusters',
      collectToken,
      [],
    )
    .option(
      '--token-ttl <seconds>',
      'lifetime of tokens from the OAuth token endpoint (client from IMPLY_CLIENT_ID/IMPLY_CLIENT_SECRET)',
      wholeNumber('--token-ttl', 1),
      DEFAULT_TOKEN_TTL_SECONDS,
    )
    .option(
      '--static-token-ttl <seconds>',
      'lifetime of the static tokens from the start (default: they never expire)',
      wholeNumber('--static-token-ttl', 1),
    )
    .option(
      '--transition-ms <ms>',
      'how long transitions take; 0 = instant',
      wholeNumber('--transition-ms', 0),
      DEFAULT_TRANSITION_MS,
    )
    .option('--db <file>', 'SQLite file that keeps clusters across restarts (default: memory)')
    .option('--error-rate <share>', 'share of requests answering 500/503', share('--error-rate'))
    .option('--error-status <status>', '500 or 503 for --error-rate', errorStatus)
    .option('--throttle-rate <share>', 'share of requests answering 429', share('--throttle-rate'))
    .option('--retry-after <seconds>', 'Retry-After seconds on 429', wholeNumber('--retry-after', 0))
    .option('--latency-ms <ms>', 'delay added to requests', wholeNumber('--latency-ms', 0))
    .option('--latency-rate <share>', 'share of requests delayed (default 1)', share('--latency-rate'))
    .option(
      '--drop-after-commit-rate <share>',
      'share of changes applied but never answered',
      share('--drop-after-commit-rate'),
    )
    .option(
      '--rate-limit <perSecond>',
      'token bucket over all API requests; 0 = off',
      nonNegativeNumber('--rate-limit'),
    )
    .option(
      '--accept-lag-ms <ms>',
      'after a 202 the cluster shows as it was for this long before the transition',
      wholeNumber('--accept-lag-ms', 0),
    )
    .option('--accept-lag-bumps-version', 'during that lag the new resource version and spec already show')
    .option(
      '--unknown-state <NAME>',
      'show transitions under this undocumented state name, e.g. PROVISIONING',
    )
    .option('--seed <n>', 'seed for the random faults (repeatable runs)', wholeNumber('--seed', 0))
    .option('--seed-from <dir>', 'start with the clusters `doctor --record` wrote in this folder')
    .option('--quiet', 'do not print a line per request')
    .option('--admin', 'serve the /_emulator/ endpoints (faults, request log; no auth): off by default')
    .option(
      '--realistic',
      'clusters carry spec and status fields imply-runbooks does not model, as the real API does',
    )
    .option('--tutorial-outputs', "answers leave spec.desiredState out, as the tutorial's outputs do")
    .action(async (flags: EmulatorFlags) => {
      process.exitCode = await runEmulator(flags);
    });
}
