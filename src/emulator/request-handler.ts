import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_PREFIX, routeAdmin, type AdminContext } from './admin-routes';
import type { TokenRegistry } from './auth';
import type { ClusterService } from './cluster-service';
import type { FaultInjector } from './faults';
import { EmulatorHttpError, sendJson } from './http-io';
import { CALLER_HEADER, type RequestLog } from './request-log';
import { apiSegments, clusterIdOf, noSuchRoute, routeApi } from './routes';
import { isTokenPath, serveToken } from './token-endpoint';

/**
 * One request from arrival to answer: admin or API, then for the API latency, injected faults,
 * auth, the route, and the commit-then-drop fault; every API request lands in the request log.
 */

export interface HandlerContext {
  service: ClusterService;
  faults: FaultInjector;
  tokens: TokenRegistry;
  requestLog: RequestLog;
  admin: AdminContext;
  /** False: /_emulator/ answers 404, so nobody can change faults or read the log without asking for it. */
  adminEnabled: boolean;
  signal: AbortSignal;
  log?: (line: string) => void;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  committed: boolean;
  clusterId?: string;
}

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function answerOf(work: () => Promise<Answer>, log?: (line: string) => void): Promise<Answer> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EmulatorHttpError) {
      return { status: error.status, body: error.toBody(), headers: error.headers, committed: false };
    }
    const reason = error instanceof Error ? error.message : String(error);
    log?.(`emulator error: ${reason}`);
    const failure = new EmulatorHttpError(500, 'InternalError', `The emulator failed: ${reason}`);
    return { status: 500, body: failure.toBody(), committed: false };
  }
}

async function serveApi(
  context: HandlerContext,
  request: IncomingMessage,
  path: string,
  query: URLSearchParams,
) {
  const method = request.method ?? 'GET';
  const delay = context.faults.latencyFor();
  if (delay > 0) {
    await sleep(delay, undefined, { signal: context.signal }).catch(() => {
      throw new EmulatorHttpError(503, 'ServiceUnavailable', 'The emulator is shutting down.');
    });
  }
  const fault = context.faults.beforeHandling(method, path);
  if (fault) throw fault;
  context.tokens.check(request.headers.authorization);
  return routeApi(request, path, query, context.service);
}

/** Answers one API request (anything outside /_emulator/) and logs it. */
async function handleApi(
  context: HandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const arrivedAt = new Date();
  const started = performance.now();
  const method = request.method ?? 'GET';
  const path = url.pathname;
  const answer = await answerOf(async () => {
    if (!apiSegments(path)) throw noSuchRoute(method, path);
    return serveApi(context, request, path, url.searchParams);
  }, context.log);
  const mutating = MUTATING_METHODS.has(method);
  const dropped = mutating && answer.committed && context.faults.dropAfterCommit(method, path);
  // The change is already saved; losing the answer is the fault a retrying client must survive.
  if (dropped) request.socket.destroy();
  else
    sendJson(response, answer.status, answer.body, url.searchParams.get('pretty') === 'true', answer.headers);
  const durationMs = Math.round(performance.now() - started);
  const caller = request.headers[CALLER_HEADER];
  context.requestLog.add({
    at: arrivedAt.toISOString(),
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    status: answer.status,
    mutating,
    clusterId: answer.clusterId ?? clusterIdOf(path),
    committed: answer.committed,
    dropped,
    durationMs,
    ...(typeof caller === 'string' ? { caller: caller.slice(0, 300) } : {}),
  });
  context.log?.(
    `${method} ${path} ${answer.status} ${durationMs}ms${dropped ? ' (dropped after commit)' : ''}`,
  );
}

function adminDisabled(path: string): EmulatorHttpError {
  return new EmulatorHttpError(
    404,
    'NotFound',
    `No such endpoint: ${path}. The emulator's admin endpoints are off; start it with --admin to use /_emulator/.`,
  );
}

function parseUrl(target: string | undefined): URL | undefined {
  try {
    // Concatenated, not resolved: `//x` must stay a path, not become a host.
    return new URL(`http://emulator.invalid${target?.startsWith('/') ? target : `/${target ?? ''}`}`);
  } catch {
    return undefined;
  }
}

/** The `http` request listener of the emulator. */
export function createRequestHandler(context: HandlerContext) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = parseUrl(request.url);
    if (!url) {
      const error = new EmulatorHttpError(400, 'BadArgument', 'The request URL cannot be parsed.');
      sendJson(response, 400, error.toBody());
      return;
    }
    const path = url.pathname;
    if (isTokenPath(path)) {
      void serveToken(request, response, context.tokens).then((status) => {
        context.log?.(`POST token endpoint ${status}`);
      });
      return;
    }
    if (path !== ADMIN_PREFIX && !path.startsWith(`${ADMIN_PREFIX}/`)) {
      void handleApi(context, request, response, url);
      return;
    }
    void answerOf(async () => {
      if (!context.adminEnabled) throw adminDisabled(path);
      const result = await routeAdmin(request, path, url.searchParams, context.admin);
      return { ...result, committed: false };
    }, context.log).then((answer) => {
      sendJson(
        response,
        answer.status,
        answer.body,
        url.searchParams.get('pretty') === 'true',
        answer.headers,
      );
    });
  };
}
