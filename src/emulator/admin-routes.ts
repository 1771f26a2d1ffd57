import type { IncomingMessage } from 'node:http';
import type { ClusterService } from './cluster-service';
import { clusterNotFound } from './cluster-views';
import { parseFaults } from './fault-config';
import type { FaultInjector } from './faults';
import { parseMode, type ModeSettings } from './mode';
import { EmulatorHttpError, decodeSegment, parseJsonBody, readBody } from './http-io';
import type { RequestLog } from './request-log';

/**
 * The emulator's own endpoints under /_emulator/ (no auth: they exist for tests and people at the
 * keyboard, on loopback): health, faults, mode, fail-next-update, and the request log.
 */

export const ADMIN_PREFIX = '/_emulator';

export interface AdminContext {
  faults: FaultInjector;
  service: ClusterService;
  requestLog: RequestLog;
  mode: ModeSettings;
  health(): Record<string, unknown>;
}

export interface AdminResult {
  status: number;
  body: unknown;
}

function notFound(method: string, path: string): EmulatorHttpError {
  return new EmulatorHttpError(
    404,
    'NotFound',
    `No such emulator endpoint: ${method} ${path}. See docs/emulator.md for the /_emulator/ endpoints.`,
  );
}

async function faultsRoute(
  request: IncomingMessage,
  method: string,
  context: AdminContext,
): Promise<AdminResult> {
  if (method === 'GET') return { status: 200, body: context.faults.get() };
  if (method === 'PUT') {
    const changes = parseFaults(parseJsonBody(await readBody(request)));
    return { status: 200, body: context.faults.set(changes) };
  }
  if (method === 'DELETE') return { status: 200, body: context.faults.reset() };
  throw new EmulatorHttpError(
    405,
    'MethodNotAllowed',
    `${method} is not allowed on /_emulator/faults; use GET, PUT or DELETE.`,
  );
}

async function modeRoute(
  request: IncomingMessage,
  method: string,
  context: AdminContext,
): Promise<AdminResult> {
  if (method === 'GET') return { status: 200, body: context.mode.get() };
  if (method === 'PUT') {
    const changes = parseMode(parseJsonBody(await readBody(request)));
    return { status: 200, body: context.mode.set(changes) };
  }
  throw new EmulatorHttpError(
    405,
    'MethodNotAllowed',
    `${method} is not allowed on /_emulator/mode; use GET or PUT.`,
  );
}

function requestsRoute(method: string, query: URLSearchParams, context: AdminContext): AdminResult {
  if (method === 'DELETE') {
    context.requestLog.clear();
    return { status: 204, body: undefined };
  }
  if (method !== 'GET') {
    throw new EmulatorHttpError(
      405,
      'MethodNotAllowed',
      `${method} is not allowed on /_emulator/requests; use GET or DELETE.`,
    );
  }
  const mutating = query.get('mutating');
  const filter = mutating === null ? {} : { mutating: mutating === 'true' };
  return { status: 200, body: context.requestLog.list(filter) };
}

function clusterAction(uid: string, action: string, context: AdminContext): AdminResult | undefined {
  if (action === 'fail-next-update') {
    if (!context.service.exists(uid)) throw clusterNotFound(uid);
    return { status: 200, body: { failNextUpdate: context.faults.addFailNext(uid) } };
  }
  if (action === 'finish-transition') {
    return { status: 200, body: context.service.finishTransition(uid) };
  }
  return undefined;
}

/** Routes one /_emulator/ request. GETs are read-only; PUT/DELETE/POST change emulator settings only. */
export async function routeAdmin(
  request: IncomingMessage,
  path: string,
  query: URLSearchParams,
  context: AdminContext,
): Promise<AdminResult> {
  const method = request.method ?? 'GET';
  const segments = path
    .slice(ADMIN_PREFIX.length)
    .split('/')
    .filter((segment) => segment !== '');
  const [first, id, action, ...rest] = segments;
  if (first === 'health' && segments.length === 1 && method === 'GET') {
    return { status: 200, body: context.health() };
  }
  if (first === 'faults' && segments.length === 1) return faultsRoute(request, method, context);
  if (first === 'requests' && segments.length === 1) return requestsRoute(method, query, context);
  if (first === 'mode' && segments.length === 1) return modeRoute(request, method, context);
  if (
    first === 'clusters' &&
    id !== undefined &&
    action !== undefined &&
    rest.length === 0 &&
    method === 'POST'
  ) {
    const result = clusterAction(decodeSegment(id), action, context);
    if (result) return result;
  }
  throw notFound(method, path);
}
