import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_TASK_QUEUE } from '../../shared/constants';
import { projectRoot } from '../../dev/cli-path';
import { startDevStack, type DevStack } from '../../dev/dev-stack';
import { runDemo } from '../../dev/demo';

interface DevOptions {
  temporalPort: number;
  uiPort?: number;
  emulatorPort: number;
  webPort: number;
  transitionMs: number;
  dataDir?: string;
  demo: boolean;
  fresh?: boolean;
  verbose?: boolean;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535)
    throw new InvalidArgumentError('use a port from 1 to 65535.');
  return port;
}

function parseWebPort(value: string): number {
  // 0 picks a free port: for tests and for running two stacks side by side.
  return value === '0' ? 0 : parsePort(value);
}

function parseMilliseconds(value: string): number {
  if (!/^\d+$/.test(value))
    throw new InvalidArgumentError('use a whole number of milliseconds, such as 3000.');
  return Number(value);
}

/** `imply-runbooks dev`: runs Temporal, the emulator and a worker locally until Ctrl-C. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Run the local stack (Temporal dev server, Cloud Manager emulator, worker) until Ctrl-C')
    .option('--temporal-port <port>', 'Temporal gRPC port', parsePort, 7233)
    .option('--ui-port <port>', 'Temporal web UI port (default: temporal port + 1000, so 8233)', parsePort)
    .option('--emulator-port <port>', 'Cloud Manager emulator port', parsePort, 8080)
    .option('--web-port <port>', 'approvals page port (0: any free port)', parseWebPort, 8787)
    .option(
      '--transition-ms <ms>',
      'how long each emulated cluster transition takes',
      parseMilliseconds,
      3000,
    )
    .option('--data-dir <dir>', 'where Temporal and the emulator keep their state (default: .data)')
    .option('--no-demo', 'skip the demo runbook after start')
    .option('--fresh', "delete the stack's state in the data folder first")
    .option('--verbose', 'show the server, emulator and worker logs')
    .action(async (options: DevOptions) => {
      process.exitCode = await runDevStack(options);
    });
}

function showPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

function printUsage(stack: DevStack): void {
  const envFile = showPath(stack.envFile);
  const lines = [
    '',
    `[dev] ready.${stack.temporal.uiUrl ? ` Temporal UI: ${stack.temporal.uiUrl}` : ''}`,
    `      export TEMPORAL_ADDRESS=${stack.temporal.address}`,
    `      export IMPLY_API_URL=${stack.emulatorApiUrl}`,
    `      or, with the local token too: source ${envFile}   (mode 600; the token is not printed)`,
    `      approvals page: ${stack.web.publicUrl}/approvals   (sign-in links: ${showPath(stack.web.loginsFile)}, mode 600)`,
    '      then, for example:',
    '        imply-runbooks clusters list',
    '        imply-runbooks run lifecycle --spec examples/tutorial-cluster.json --wait',
    '[dev] Ctrl-C stops everything.',
  ];
  for (const line of lines) console.log(line);
}

async function runDemoSafely(stack: DevStack, signal: AbortSignal): Promise<void> {
  try {
    await runDemo({
      temporalAddress: stack.temporal.address,
      namespace: stack.temporal.namespace,
      taskQueue: process.env.IMPLY_RUNBOOKS_TASK_QUEUE?.trim() || DEFAULT_TASK_QUEUE,
      uiUrl: stack.temporal.uiUrl,
      emulatorApiUrl: stack.emulatorApiUrl,
      webUrl: stack.web.publicUrl,
      envFile: stack.envFile,
      signal,
    });
  } catch (error) {
    // The stack stays useful without the demo: report and go on.
    if (!signal.aborted) console.log(`[demo] failed: ${(error as Error).message}`);
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Runs the stack until a stop signal; resolves with the exit code. Starts processes: not idempotent. */
export async function runDevStack(options: DevOptions): Promise<number> {
  const shutdown = new AbortController();
  let signalsSeen = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalsSeen += 1;
    if (signalsSeen > 1) {
      // The exit guard in supervisor.ts SIGKILLs the Temporal server and the worker.
      console.log('[dev] forced stop');
      process.exit(130);
    }
    console.log(`[dev] ${signal}: stopping (press Ctrl-C again to force)`);
    shutdown.abort();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  let stack: DevStack | undefined;
  try {
    stack = await startDevStack({
      temporalPort: options.temporalPort,
      uiPort: options.uiPort ?? options.temporalPort + 1000,
      emulatorPort: options.emulatorPort,
      webPort: options.webPort,
      transitionMs: options.transitionMs,
      dataDir: path.resolve(options.dataDir ?? path.join(projectRoot(), '.data')),
      fresh: Boolean(options.fresh),
      verbose: Boolean(options.verbose),
      print: (line) => console.log(line),
      signal: shutdown.signal,
    });
    if (options.demo && !shutdown.signal.aborted) await runDemoSafely(stack, shutdown.signal);
    if (!shutdown.signal.aborted) printUsage(stack);
    const failure = await Promise.race([untilAborted(shutdown.signal), stack.failed]);
    if (failure) console.log(`${failure}: stopping the rest (--verbose shows its log)`);
    await stack.stop();
    console.log('[dev] all stopped');
    return failure ? 1 : 0;
  } catch (error) {
    // Ctrl-C during start: what had started is stopped already; that is a clean stop.
    if (!shutdown.signal.aborted) throw error;
    console.log('[dev] all stopped');
    return 0;
  } finally {
    await stack?.stop();
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
