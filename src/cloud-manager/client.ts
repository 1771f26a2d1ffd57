import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { STATIC_TOKEN_ADVICE, tokenProviderFromEnv, type TokenProvider } from './auth';
import { resolveApiBaseUrl } from './config';
import {
  CloudManagerContractViolation,
  CloudManagerRejected,
  type CloudManagerError,
  errorFromNetwork,
  errorFromResponse,
} from './errors';
import {
  clusterListSchema,
  clusterSchema,
  type Cluster,
  type ClusterPatch,
  type ClusterRequest,
} from './schemas/cluster';
import { parseClusterPatch, parseClusterRequest, type UnknownFields } from './validation';

export interface CloudManagerClientOptions {
  /** https://acme.implycloud.com/api/v1 or http://127.0.0.1:8080/api/v1 */
  baseUrl: string;
  auth: TokenProvider;
  /** undici dispatcher; tests pass a MockAgent. */
  dispatcher?: Dispatcher;
  /** Headers and body timeouts, each. Default 30 s. */
  requestTimeoutMs?: number;
  userAgent?: string;
}

interface Call {
  method: Dispatcher.HttpMethod;
  /** Templated, for messages: `/clusters/{id}`. */
  template: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

const GONE_STATES = new Set(['DELETING', 'DELETED']);

/**
 * Typed client of the Imply Cloud Manager API. It never retries on its own: Temporal's retry policy
 * owns backoff, so every attempt shows in history. Each error says, by its class, whether to retry.
 */
export class CloudManagerClient {
  readonly baseUrl: string;
  readonly #auth: TokenProvider;
  readonly #dispatcher?: Dispatcher;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(options: CloudManagerClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#auth = options.auth;
    this.#dispatcher = options.dispatcher;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'imply-runbooks';
  }

  /** Lists every cluster, deleted ones included. Read-only; safe to retry. */
  async listClusters(): Promise<Cluster[]> {
    const body = await this.#send({ method: 'GET', template: '/clusters', path: '/clusters' });
    return this.#expect(clusterListSchema, body, 'GET /clusters');
  }

  /** Reads one cluster with its status. Read-only; safe to retry. */
  async getCluster(id: string): Promise<Cluster> {
    return this.#cluster({ method: 'GET', template: '/clusters/{id}', path: clusterPath(id) });
  }

  /** The live (not DELETING/DELETED) cluster with this exact name, if any; the first when several. Safe to retry. */
  async findClusterByName(name: string): Promise<Cluster | undefined> {
    const clusters = await this.listClusters();
    return clusters.find(
      (cluster) => cluster.metadata.name === name && !GONE_STATES.has(cluster.status?.state ?? ''),
    );
  }

  /** Creates a cluster (or only validates it, with dryRun). NOT idempotent: look it up by name before retrying. */
  async createCluster(request: ClusterRequest, options: { dryRun?: boolean } = {}): Promise<Cluster> {
    const body = parseClusterRequest(request);
    const query = { dryRun: String(options.dryRun ?? false) };
    return this.#cluster({ method: 'POST', template: '/clusters', path: '/clusters', query, body });
  }

  /**
   * Replaces a cluster's whole configuration. Idempotent in effect, though each accepted PUT adds a
   * resourceVersion. `unknownFields: 'keep'` is for a body built from the cluster as the API returned
   * it (fields we do not model are sent back, not refused); the default refuses them as typos.
   */
  async replaceCluster(
    id: string,
    request: ClusterRequest,
    options: { dryRun?: boolean; force?: boolean; unknownFields?: UnknownFields } = {},
  ): Promise<Cluster> {
    const body = parseClusterRequest(request, options.unknownFields);
    if (body.metadata.uid !== undefined && body.metadata.uid !== id) {
      throw badArgument(
        'metadata.uid',
        `is '${body.metadata.uid}' but the cluster id is '${id}'; they must match`,
      );
    }
    const query: Record<string, string> = { dryRun: String(options.dryRun ?? false) };
    if (options.force) query.force = 'true';
    return this.#cluster({ method: 'PUT', template: '/clusters/{id}', path: clusterPath(id), query, body });
  }

  /** Applies a JSON Merge Patch (e.g. desiredState). Safe to retry: the same patch twice changes nothing more. */
  async patchCluster(id: string, patch: ClusterPatch, options: { dryRun?: boolean } = {}): Promise<Cluster> {
    const body = parseClusterPatch(patch);
    const query = { dryRun: String(options.dryRun ?? false) };
    const contentType = 'application/merge-patch+json';
    return this.#cluster({
      method: 'PATCH',
      template: '/clusters/{id}',
      path: clusterPath(id),
      query,
      body,
      contentType,
    });
  }

  /** Deletes a cluster. Retrying answers 404 once it is gone: callers treat that as done. */
  async deleteCluster(id: string): Promise<void> {
    await this.#send({ method: 'DELETE', template: '/clusters/{id}', path: clusterPath(id) });
  }

  /** Reads the cluster exactly as it was at a resourceVersion. Read-only; safe to retry. */
  async getClusterVersion(id: string, resourceVersion: number): Promise<Cluster> {
    if (!Number.isInteger(resourceVersion) || resourceVersion < 0) {
      throw badArgument('resourceVersion', `is ${resourceVersion}; use a whole number of 0 or more`);
    }
    const template = '/clusters/{id}/history/{resourceVersion}';
    return this.#cluster({ method: 'GET', template, path: `${clusterPath(id)}/history/${resourceVersion}` });
  }

  async #cluster(call: Call): Promise<Cluster> {
    return this.#expect(clusterSchema, await this.#send(call), `${call.method} ${call.template}`);
  }

  #expect<T>(schema: z.ZodType<T>, body: unknown, operation: string): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const where = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    throw new CloudManagerContractViolation(
      `${operation} answered a body that does not match the Cloud Manager API contract (${where}).`,
      { operation },
    );
  }

  /** One HTTP exchange with the current token; transport failures become classified errors. */
  async #exchange(
    call: Call,
    operation: string,
  ): Promise<{ status: number; text: string; retryAfter?: string | string[]; token: string }> {
    const token = await this.#auth.getToken();
    const search = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    if (call.body !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
    try {
      const response = await request(`${this.baseUrl}${call.path}${search}`, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        dispatcher: this.#dispatcher,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const text = await response.body.text();
      return { status: response.statusCode, text, retryAfter: response.headers['retry-after'], token };
    } catch (error) {
      throw redact(errorFromNetwork(error, operation, this.baseUrl), token);
    }
  }

  /**
   * One API call; returns the parsed JSON body (undefined when empty) or throws a classified error.
   * A 401 with a renewable token (client credentials, a token file) gets one more try with a fresh
   * token; a 401 with a static token says that it expired and how to stop that.
   */
  async #send(call: Call): Promise<unknown> {
    const operation = `${call.method} ${call.template}`;
    let answer = await this.#exchange(call, operation);
    if (answer.status === 401 && this.#auth.renewable) {
      this.#auth.invalidate();
      answer = await this.#exchange(call, operation);
    }
    const { status, text, retryAfter, token } = answer;
    if (status < 200 || status > 299) {
      // A client-credentials token may have been revoked or expired early: fetch a new one next attempt.
      if (status === 401) this.#auth.invalidate();
      const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
      const error = redact(errorFromResponse(status, text, header, operation), token);
      if (status === 401) error.message = unauthorizedMessage(error.message, this.#auth);
      throw error;
    }
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new CloudManagerContractViolation(
        `${operation} answered ${status} with a body that is not JSON.`,
        {
          status,
          operation,
        },
      );
    }
  }
}

function clusterPath(id: string): string {
  if (typeof id !== 'string' || id.trim() === '') throw badArgument('id', 'is empty; give a cluster uid');
  return `/clusters/${encodeURIComponent(id)}`;
}

function badArgument(target: string, message: string): CloudManagerRejected {
  return new CloudManagerRejected(`Invalid argument: ${target}: ${message}`, {
    status: 400,
    code: 'BadArgument',
    details: [{ code: 'MalformedValue', target, message }],
  });
}

/** The 401's message, saying which credential was refused and, for a static one, how to stop it expiring. */
function unauthorizedMessage(message: string, auth: TokenProvider): string {
  const base = message.replace(/\. Fix: .*$/, '');
  if (auth.renewable) {
    return `${base}. The API refused ${auth.describe()} even after a fresh token: check the client's roles and that it belongs to this organization.`;
  }
  return `${base}. The API refused the ${auth.describe()}: check that it is the right one; if it was, it has expired or was revoked: ${STATIC_TOKEN_ADVICE}.`;
}

/** A server that echoes the Authorization header must not leak the token into messages or history. */
function redact(error: CloudManagerError, token: string): CloudManagerError {
  if (!token) return error;
  error.message = error.message.split(token).join('[redacted]');
  for (const detail of error.details) {
    if (detail.message) detail.message = detail.message.split(token).join('[redacted]');
    if (detail.target) detail.target = detail.target.split(token).join('[redacted]');
  }
  return error;
}

/** Builds a client from IMPLY_* variables (and CLI flags). Reads the environment only; changes nothing. */
export function createClientFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { vanityDomain?: string; apiUrl?: string; dispatcher?: Dispatcher } = {},
): CloudManagerClient {
  const baseUrl = resolveApiBaseUrl({ vanityDomain: overrides.vanityDomain, apiUrl: overrides.apiUrl, env });
  const auth = tokenProviderFromEnv(env, overrides.dispatcher);
  return new CloudManagerClient({ baseUrl, auth, dispatcher: overrides.dispatcher });
}
