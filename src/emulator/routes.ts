import type { IncomingMessage } from 'node:http';
import type { ClusterService, Outcome } from './cluster-service';
import { EmulatorHttpError, decodeSegment, mediaType, parseJsonBody, readBody } from './http-io';
import type { VersionSnapshot } from './store';

/**
 * The Cloud Manager API routes under /api/v1. Every path the tutorial uses works, including
 * `POST /api/v1` as an alias of `POST /api/v1/clusters`.
 */

export const API_PREFIX = '/api/v1';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';

export interface RouteResult extends Outcome {
  clusterId?: string;
}

/** The path split into segments, without a trailing slash or the /api/v1 prefix; undefined outside it. */
export function apiSegments(path: string): string[] | undefined {
  if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) return undefined;
  return path
    .slice(API_PREFIX.length)
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeSegment);
}

function methodNotAllowed(method: string, path: string, allowed: string[]): EmulatorHttpError {
  return new EmulatorHttpError(
    405,
    'MethodNotAllowed',
    `${method} is not allowed on ${path}; use ${allowed.join(', ')}.`,
    [],
    { allow: allowed.join(', ') },
  );
}

/** A 404 for a path the API does not have. */
export function noSuchRoute(method: string, path: string): EmulatorHttpError {
  return new EmulatorHttpError(
    404,
    'NotFound',
    `No such endpoint: ${method} ${path}. The API lives under ${API_PREFIX}/clusters (see docs/emulator.md).`,
  );
}

async function jsonBody(request: IncomingMessage): Promise<unknown> {
  return parseJsonBody(await readBody(request));
}

async function patchBody(request: IncomingMessage): Promise<unknown> {
  const body = await readBody(request);
  const type = mediaType(request);
  if (type !== MERGE_PATCH_TYPE) {
    throw new EmulatorHttpError(
      415,
      'UnsupportedMediaType',
      `PATCH needs Content-Type: ${MERGE_PATCH_TYPE} (JSON Merge Patch, RFC 7396); got ${type || 'none'}.`,
    );
  }
  return parseJsonBody(body);
}

/** Routes one authenticated API request to the service; throws EmulatorHttpError for error answers. */
export async function routeApi(
  request: IncomingMessage,
  path: string,
  query: URLSearchParams,
  service: ClusterService,
): Promise<RouteResult> {
  const method = request.method ?? 'GET';
  const segments = apiSegments(path) ?? [];
  const options = { dryRun: query.get('dryRun') === 'true', force: query.get('force') === 'true' };
  const [collection, id, historyWord, version, ...rest] = segments;

  if (segments.length === 0) {
    if (method !== 'POST') throw methodNotAllowed(method, path, ['POST']);
    return created(service.create(await jsonBody(request), options));
  }
  if (collection !== 'clusters' || rest.length > 0) throw noSuchRoute(method, path);
  if (id === undefined) {
    if (method === 'GET') return { status: 200, body: service.list(), committed: false };
    if (method === 'POST') return created(service.create(await jsonBody(request), options));
    throw methodNotAllowed(method, path, ['GET', 'POST']);
  }
  if (historyWord !== undefined) {
    if (historyWord !== 'history' || version === undefined) throw noSuchRoute(method, path);
    if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
    return { status: 200, body: service.history(id, version), committed: false };
  }
  return routeCluster(request, method, path, id, options, service);
}

/** The cluster id a path names (`/api/v1/clusters/{id}…`), for the request log. */
export function clusterIdOf(path: string): string | undefined {
  const segments = apiSegments(path);
  return segments?.[0] === 'clusters' ? segments[1] : undefined;
}

function created(outcome: Outcome): RouteResult {
  if (!outcome.committed) return outcome;
  return { ...outcome, clusterId: (outcome.body as VersionSnapshot).metadata.uid };
}

async function routeCluster(
  request: IncomingMessage,
  method: string,
  path: string,
  id: string,
  options: { dryRun: boolean; force: boolean },
  service: ClusterService,
): Promise<Outcome> {
  switch (method) {
    case 'GET':
      return { status: 200, body: service.get(id), committed: false };
    case 'PUT':
      return service.replace(id, await jsonBody(request), options);
    case 'PATCH':
      return service.patch(id, await patchBody(request), options);
    case 'DELETE':
      return service.remove(id);
    default:
      throw methodNotAllowed(method, path, ['GET', 'PUT', 'PATCH', 'DELETE']);
  }
}
