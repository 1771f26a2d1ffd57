import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, webSettings } from '../../config';
import { startTracing, tracingClientInterceptors } from '../../observability/tracing';
import { pinoWebLog, webObservability } from '../../observability/web-log';
import { connectClient, describeTemporalSettings, temporalSettingsFromEnv } from '../../temporal/connection';
import { operationsFromConfig } from '../../web/operations-setup';
import { startWebServer } from '../../web/server';
import { sessionSecretFromEnv } from '../../web/sessions';
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

/**
 * Serves the approvals page until a stop signal, logging through pino (IMPLY_RUNBOOKS_LOG_FORMAT,
 * secrets redacted) and tracing its Temporal calls when configured. Binds a port and connects to
 * Temporal: not idempotent.
 */
async function runWeb(options: WebOptions): Promise<void> {
  const config = loadConfig({ path: options.config });
  const settings = webSettings(config);
  const observability = webObservability(config);
  const log = observability.log;
  // Start-up lines whatever the level, as the worker's `Worker ready`.
  const announce = pinoWebLog(observability.logger.child({}, { level: 'info' }));
  const tracing = observability.settings.tracing
    ? startTracing(observability.settings.tracing, 'web', observability.logger)
    : undefined;
  const { tokens, missing } = tokensFromEnv(settings);
  const sessionSecret = sessionSecretFromEnv();
  const temporal = temporalSettingsFromEnv();
  const interceptors = tracing ? tracingClientInterceptors(tracing) : undefined;
  const { client, connection } = await connectClient(temporal, { interceptors });
  try {
    const server = await startWebServer({
      host: options.host,
      port: options.port,
      client,
      namespace: temporal.namespace,
      temporal: { baseTaskQueue: temporal.taskQueue },
      config,
      tokens,
      sessionSecret,
      log,
      triggers: triggerOptionsFromEnv(client, temporal.taskQueue, announce),
      operations: operationsFromConfig(client, config, temporal),
    });
    announce(
      `[web] approvals page at ${server.publicUrl}/approvals, operations at ${server.publicUrl}/clusters`,
    );
    announce(`[web] Temporal: ${describeTemporalSettings(temporal)}`);
    announce(
      settings.identityHeader
        ? `[web] sign-in: the ${settings.identityHeader} header from the auth proxies ${settings.trustedProxies.join(', ')}, or a user's token link`
        : `[web] sign-in: a user's token link (no identity header is trusted: web.identityHeader is not set)`,
    );
    if (settings.oidc) {
      announce(
        `[web] sign-in: OpenID Connect with ${settings.oidc.issuer} (redirect URI ${server.publicUrl}${settings.oidc.redirectPath})`,
      );
    }
    for (const { user, variable } of missing) {
      announce(`[web] ${user} cannot sign in by token: ${variable} is not set`, { user, level: 'warn' });
    }
    if (!LOOPBACK.has(options.host) && settings.identityHeader) {
      announce(
        `[web] listening beyond this machine: ${settings.identityHeader} counts only from ${settings.trustedProxies.join(', ')}`,
      );
    }
    if (tracing) announce(`[web] OpenTelemetry tracing to ${observability.settings.tracing?.tracesUrl}`);
    announce('[web] Ctrl-C stops it.');
    await untilStopSignal();
    await server.close();
    announce('[web] stopped');
  } finally {
    await connection.close();
    await tracing?.shutdown();
  }
}

/** `imply-runbooks web`: the approvals page, until Ctrl-C. */
export function registerWebCommand(program: Command): void {
  program
    .command('web')
    .description(
      'Serve the approvals and operations pages (approvals, clusters, runbooks, schedules, savings) until Ctrl-C',
    )
    .option('--port <port>', 'port to listen on', parsePort, 8787)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--config <file>',
      'configuration file (default: IMPLY_RUNBOOKS_CONFIG or ./imply-runbooks.config.yaml)',
    )
    .action(action(runWeb));
}
