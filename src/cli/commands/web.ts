import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, webSettings } from '../../config';
import { connectClient, describeTemporalSettings, temporalSettingsFromEnv } from '../../temporal/connection';
import { startWebServer } from '../../web/server';
import { tokensFromEnv } from '../../web/tokens';
import { triggerOptionsFromEnv } from '../../triggers/trigger-setup';
import { action } from '../output';

interface WebOptions {
  port: number;
  host: string;
  config?: string;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('use a port from 0 to 65535.');
  return port;
}

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of STOP_SIGNALS) process.on(name, onSignal);
  });
}

/** Serves the approvals page until a stop signal. Binds a port and connects to Temporal: not idempotent. */
async function runWeb(options: WebOptions): Promise<void> {
  const config = loadConfig({ path: options.config });
  const settings = webSettings(config);
  const { tokens, missing } = tokensFromEnv(settings);
  const temporal = temporalSettingsFromEnv();
  const { client, connection } = await connectClient(temporal);
  try {
    const server = await startWebServer({
      host: options.host,
      port: options.port,
      client,
      namespace: temporal.namespace,
      config,
      tokens,
      log: (line) => console.log(line),
      triggers: triggerOptionsFromEnv(client, temporal.taskQueue, (line) => console.log(line)),
    });
    console.log(`[web] approvals page at ${server.publicUrl}/approvals`);
    console.log(`[web] Temporal: ${describeTemporalSettings(temporal)}`);
    console.log(
      `[web] sign-in: the ${settings.identityHeader} header from an auth proxy, or a user's token link`,
    );
    for (const { user, variable } of missing) {
      console.log(`[web] ${user} cannot sign in by token: ${variable} is not set`);
    }
    if (!LOOPBACK.has(options.host)) {
      console.log(
        `[web] listening beyond this machine: only an auth proxy may set ${settings.identityHeader}`,
      );
    }
    console.log('[web] Ctrl-C stops it.');
    await untilStopSignal();
    await server.close();
    console.log('[web] stopped');
  } finally {
    await connection.close();
  }
}

/** `imply-runbooks web`: the approvals page, until Ctrl-C. */
export function registerWebCommand(program: Command): void {
  program
    .command('web')
    .description('Serve the approvals page (pending approvals, the diff, approve / reject) until Ctrl-C')
    .option('--port <port>', 'port to listen on', parsePort, 8787)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--config <file>',
      'configuration file (default: IMPLY_RUNBOOKS_CONFIG or ./imply-runbooks.config.yaml)',
    )
    .action(action(runWeb));
}
