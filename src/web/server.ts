import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSettings, webSettings, type Config, type OidcConfig } from '../config';
import { ApprovalsSource, type ApprovalsSourceOptions, type WebTemporalClient } from './approvals-source';
import { send, sendProblem, WebProblem } from './http-io';
import { SignInNeeded } from './identity';
import { hostProblem, siteFor } from './request-guards';
import { approvalPage, approvalsPage, decisionForm, login, type RouteContext } from './routes';
import { issuerHost, OidcSignIn } from './oidc';
import { OPERATIONS_PAGES, operationsRoute } from './operations-router';
import type { OperationsOptions } from './operations-source';
import { SESSION_SECRET_VARIABLE, SessionStore } from './sessions';
import { OIDC_SIGN_IN_PATH } from '../config/web-oidc';
import { handleTrigger, TRIGGER_PATH_PREFIX, type TriggerOptions } from '../triggers/trigger-route';
import type { WebLog } from '../observability/web-log';
import { decisionVerifierFromEnv, DECISIONS_PATH, handleDecisionEndpoint } from './decision-endpoint';
import { handleSlackInteractivity, SLACK_INTERACTIVITY_PATH } from './slack-interactivity';

/** The approvals web page: plain `node:http`, server-rendered HTML, no state but sessions in memory. */

export interface WebServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** A Temporal Client on the runbooks' namespace (or anything with the same calls). */
  client: WebTemporalClient;
  /** The client's namespace, for messages: the client already works in it. */
  namespace: string;
  config: Config;
  /** User name → login token, for per-user token sign-in (the local default). */
  tokens?: Record<string, string>;
  /** Signs session cookies; the same on every replica makes sessions valid on all. Default: random (not with web.oidc). */
  sessionSecret?: string;
  /** Decisions, sign-ins, trigger results and failures, with the runbook they concern (pinoWebLog). */
  log?: WebLog;
  /** Timeouts and limits of the Temporal calls. */
  temporal?: ApprovalsSourceOptions;
  /** The operations pages' Cloud Manager clients and Temporal access; absent: they answer 503. */
  operations?: OperationsOptions;
  /** `POST /api/triggers/scale` (change triggers); absent: it answers 503. */
  triggers?: TriggerOptions;
  /**
   * Where secrets are read: web.oidc.clientSecretEnv, notifications.slack's signing secret and bot
   * token, IMPLY_RUNBOOKS_DECISION_SECRET. Default process.env.
   */
  env?: NodeJS.ProcessEnv;
}

export interface RunningWebServer {
  /** Where the server listens: `http://127.0.0.1:8787`. */
  url: string;
  /** Where people reach it: web.publicUrl of a configuration file, else `url`. */
  publicUrl: string;
  /** Stops listening and drops open connections. Safe to call twice. */
  close(): Promise<void>;
  /** Resolves once the work begun after answering Slack (decisions, message updates) has ended. */
  settled(): Promise<void>;
}

const MAX_RUNBOOK_ID_LENGTH = 1000;

function runbookIdFrom(segment: string): string {
  let runbookId: string;
  try {
    runbookId = decodeURIComponent(segment);
  } catch {
    throw new WebProblem(400, 'Bad address', 'The runbook id in the address is not valid URL encoding.');
  }
  if (runbookId === '' || runbookId.length > MAX_RUNBOOK_ID_LENGTH || /\p{Cc}/u.test(runbookId)) {
    throw new WebProblem(400, 'Bad address', 'The address does not hold a valid runbook id.');
  }
  return runbookId;
}

function methodNotAllowed(allow: string): WebProblem {
  return new WebProblem(405, 'Method not allowed', `Use ${allow} here.`, { Allow: allow });
}

async function route(request: IncomingMessage, response: ServerResponse, context: RouteContext) {
  const problem = hostProblem(request, context.site);
  if (problem) throw new WebProblem(421, 'Wrong host name', problem);
  if (!request.url?.startsWith('/'))
    throw new WebProblem(400, 'Bad address', 'The request target is not a path.');
  const url = new URL(request.url, 'http://localhost');
  const method = request.method ?? 'GET';
  const parts = url.pathname.split('/').slice(1);
  if (url.pathname === '/healthz') {
    if (method !== 'GET') throw methodNotAllowed('GET');
    return send(response, 200, '{"status":"ok"}\n', { 'Content-Type': 'application/json' });
  }
  if (url.pathname === '/') return send(response, 303, '', { Location: '/approvals' });
  if (url.pathname === '/login') {
    if (method !== 'GET') throw methodNotAllowed('GET');
    return login(request, response, context, url);
  }
  if (context.oidc && (url.pathname === OIDC_SIGN_IN_PATH || url.pathname === context.oidc.redirectPath)) {
    if (method !== 'GET') throw methodNotAllowed('GET');
    if (url.pathname === OIDC_SIGN_IN_PATH) return context.oidc.signIn.start(response, url);
    return context.oidc.signIn.callback(request, response, url);
  }
  if (OPERATIONS_PAGES.has(parts[0]!)) return operationsRoute(request, response, context, url, parts);
  if (parts[0] !== 'approvals' || parts.length > 3) throw notFound();
  if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) {
    if (method !== 'GET') throw methodNotAllowed('GET');
    return approvalsPage(request, response, context);
  }
  const runbookId = runbookIdFrom(parts[1]!);
  if (parts.length === 2) {
    if (method !== 'GET') throw methodNotAllowed('GET');
    return approvalPage(request, response, context, runbookId);
  }
  if (parts[2] !== 'decision') throw notFound();
  if (method !== 'POST') throw methodNotAllowed('POST');
  return decisionForm(request, response, context, runbookId);
}

function notFound(): WebProblem {
  return new WebProblem(404, 'Not found', 'There is no such page: the approvals are at /approvals.');
}

async function handle(request: IncomingMessage, response: ServerResponse, context: RouteContext) {
  try {
    await route(request, response, context);
  } catch (error) {
    if (response.headersSent) return void response.destroy();
    if (error instanceof SignInNeeded) return send(response, 401, error.page);
    if (error instanceof WebProblem) return sendProblem(response, error);
    // The path only: a /login query holds a token, an OIDC callback's a code.
    context.log(`[web] ${request.method} ${request.url?.split('?')[0]} failed: ${(error as Error).message}`, {
      level: 'error',
    });
    sendProblem(response, new WebProblem(500, 'Server error', 'The page failed; the server log says why.'));
  }
}

function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(new Error(`port ${port} on ${host} is in use: pass --port <port>`));
      else reject(error);
    });
    server.listen({ host, port }, () => resolve(server.address() as AddressInfo));
  });
}

/**
 * The OIDC client secret from its variable (undefined for a public client). With web.oidc the
 * sessions must outlive a restart and hold on every replica: a shared session secret is required.
 */
function oidcClientSecret(oidc: OidcConfig | undefined, options: WebServerOptions): string | undefined {
  if (!oidc) return undefined;
  if (!options.sessionSecret) {
    throw new Error(
      `web.oidc is configured, so sessions must survive a restart and work on every replica: set ${SESSION_SECRET_VARIABLE} (at least 32 characters, e.g. openssl rand -base64 33), the same on every web server`,
    );
  }
  if (!oidc.clientSecretEnv) return undefined;
  const secret = (options.env ?? process.env)[oidc.clientSecretEnv]?.trim();
  if (!secret) {
    throw new Error(
      `web.oidc.clientSecretEnv: the environment variable ${oidc.clientSecretEnv} is not set: export the client secret the provider gave, or remove clientSecretEnv for a public client (PKCE only)`,
    );
  }
  return secret;
}

/** Starts the approvals page on host:port (default 127.0.0.1). Binds a port: not idempotent. */
export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const host = options.host ?? '127.0.0.1';
  const settings = webSettings(options.config);
  const clientSecret = oidcClientSecret(settings.oidc, options);
  const sessions = new SessionStore({ tokens: options.tokens, secret: options.sessionSecret });
  const log: WebLog = options.log ?? (() => {});
  const context = {
    sessions,
    log,
    namespace: options.namespace,
    source: new ApprovalsSource(options.client, options.temporal),
  };
  // Filled in once the port is known: the names the server answers to include it.
  const ready: { context?: RouteContext } = {};
  const triggers = { ...options.triggers, config: options.config, log };
  const env = options.env ?? process.env;
  const background = new Set<Promise<void>>();
  const chat = {
    source: context.source,
    log,
    slack: slackSettings(options.config, { signingSecret: true }, env),
    verifier: decisionVerifierFromEnv(env),
    background,
    publicUrl: settings.publicUrl,
  };
  const server = http.createServer((request, response) => {
    const path = request.url?.split('?')[0];
    // Triggers and chat decisions authenticate each call (token or signature), so they skip the
    // page's host and session checks.
    if (request.url?.startsWith(TRIGGER_PATH_PREFIX)) void handleTrigger(request, response, triggers);
    else if (path === SLACK_INTERACTIVITY_PATH) void handleSlackInteractivity(request, response, chat);
    else if (path === DECISIONS_PATH) void handleDecisionEndpoint(request, response, chat);
    else if (ready.context) void handle(request, response, ready.context);
    else response.writeHead(503).end();
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  const address = await listen(server, host, options.port);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  // The built-in defaults' publicUrl names port 8787; the server may have another.
  const publicUrl = options.config.source === undefined ? url : settings.publicUrl;
  chat.publicUrl = publicUrl;
  ready.context = {
    ...context,
    identityHeader: settings.identityHeader || undefined,
    trustedProxies: settings.trustedProxies,
    secureCookies: publicUrl.startsWith('https:'),
    site: siteFor(publicUrl, host, address.port),
    now: () => new Date(),
    roleConfig: options.config,
    ...(options.operations ? { operations: options.operations } : {}),
  };
  if (settings.oidc) {
    const oidc = settings.oidc;
    ready.context.oidcIssuerHost = issuerHost(oidc.issuer);
    ready.context.oidc = {
      redirectPath: oidc.redirectPath,
      signIn: new OidcSignIn({
        config: oidc,
        redirectUri: `${publicUrl}${oidc.redirectPath}`,
        clientSecret,
        sessions,
        secureCookies: ready.context.secureCookies,
        log,
      }),
    };
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  const settled = async () => {
    while (background.size > 0) await Promise.allSettled([...background]);
  };
  return { url, publicUrl, close, settled };
}
