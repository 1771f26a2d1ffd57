import { InvalidArgumentError, type Command } from 'commander';
import { CODEC_TOKEN_VARIABLE } from '../../codec/codec-access';
import { DEFAULT_UI_ORIGINS, startCodecServer } from '../../codec/codec-server';
import { codecFromEnv } from '../../codec/data-converter';
import { CODEC_KEYS_VARIABLE } from '../../codec/keys';
import { action } from '../output';

/** `imply-runbooks codec-server`: decrypts payloads for the Temporal UI, for holders of the codec token. */

interface CodecServerFlags {
  port: number;
  host: string;
  uiOrigin: string[];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('use a port from 0 to 65535.');
  return port;
}

function collectOrigin(value: string, previous: string[]): string[] {
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    throw new InvalidArgumentError(
      `"${value}" is not an origin: write scheme://host:port, e.g. http://127.0.0.1:8233`,
    );
  }
  return [...previous, origin];
}

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Serves /encode and /decode until a stop signal. Binds a port: not idempotent. */
async function runCodecServer(flags: CodecServerFlags): Promise<void> {
  const codec = codecFromEnv(process.env);
  if (!codec)
    throw new Error(`${CODEC_KEYS_VARIABLE} is not set: give the keys the workers use (keyid:base64key,…)`);
  const token = process.env[CODEC_TOKEN_VARIABLE]?.trim() ?? '';
  const origins = flags.uiOrigin.length > 0 ? flags.uiOrigin : DEFAULT_UI_ORIGINS;
  const server = await startCodecServer({
    host: flags.host,
    port: flags.port,
    codec,
    token,
    allowedOrigins: origins,
    log: (line) => console.log(`[codec] ${line}`),
  });
  console.log(`[codec] codec server at ${server.url} (POST /encode, /decode) for ${origins.join(', ')}`);
  console.log(
    `[codec] callers send Authorization: Bearer $${CODEC_TOKEN_VARIABLE}; browsers sign in at ${server.url}/sign-in`,
  );
  console.log('[codec] Ctrl-C stops it.');
  await untilStopSignal();
  await server.close();
  console.log('[codec] stopped');
}

/** Adds `imply-runbooks codec-server` to the program. */
export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description('Decrypt workflow payloads for the Temporal UI (keys: IMPLY_RUNBOOKS_CODEC_KEYS)')
    .option('--port <port>', 'port to listen on', parsePort, 8888)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--ui-origin <origin>',
      `origin of the Temporal UI allowed to call it, repeatable (default ${DEFAULT_UI_ORIGINS.join(', ')})`,
      collectOrigin,
      [] as string[],
    )
    .action(action(runCodecServer));
}
