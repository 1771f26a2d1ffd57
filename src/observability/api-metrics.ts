import diagnosticsChannel from 'node:diagnostics_channel';
import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';
import type { PinoLogger } from './logger';
import { METRICS } from './metric-names';

/**
 * Counts and logs every Cloud Manager API call the worker makes, by endpoint and status, from undici's
 * diagnostics channels: the client stays as it is, and calls to any other host are not counted.
 */

/** The parts of undici's request object that the channels carry and we read. */
interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
}

interface CallStart {
  startedAt: number;
  method: string;
  endpoint: string;
  clusterId?: string;
  runbookId?: string;
  activityType?: string;
}

export interface ApiCallObserverOptions {
  /** The client's base URL: `https://acme.implycloud.com/api/v1`. */
  baseUrl: string;
  meter: MetricMeter;
  logger?: PinoLogger;
}

/**
 * `/clusters/{id}` for a request path under the API's base path (query dropped), and the id it names;
 * `other` for an unknown API path, undefined outside the API (the emulator's own pages). Pure.
 */
export function endpointOf(
  path: string,
  basePath: string,
): { endpoint: string; clusterId?: string } | undefined {
  const withoutQuery = path.split('?')[0] ?? '';
  const base = basePath.replace(/\/+$/, '');
  if (base !== '' && withoutQuery !== base && !withoutQuery.startsWith(`${base}/`)) return undefined;
  const parts = withoutQuery.slice(base.length).split('/').filter(Boolean);
  if (parts[0] !== 'clusters' || parts.length > 4) return { endpoint: 'other' };
  if (parts.length === 1) return { endpoint: '/clusters' };
  const clusterId = decodeURIComponent(parts[1]!);
  if (parts.length === 2) return { endpoint: '/clusters/{id}', clusterId };
  if (parts[2] !== 'history') return { endpoint: 'other', clusterId };
  const endpoint = parts.length === 3 ? '/clusters/{id}/history' : '/clusters/{id}/history/{resourceVersion}';
  return { endpoint, clusterId };
}

function activityIds(): Pick<CallStart, 'runbookId' | 'activityType'> {
  try {
    const info = Context.current().info;
    return { runbookId: info.workflowExecution?.workflowId, activityType: info.activityType };
  } catch {
    return {}; // Not inside an activity (a CLI command in the same process).
  }
}

/** Starts counting the calls to `baseUrl`; returns the function that stops. Not idempotent: call stop once. */
export function observeCloudManagerCalls(options: ApiCallObserverOptions): () => void {
  const api = new URL(options.baseUrl);
  const requests = metricsOf(options.meter);
  const started = new WeakMap<object, CallStart>();
  const onCreate = (message: unknown) => {
    const request = (message as { request: UndiciRequest }).request;
    if (String(request.origin ?? '').replace(/\/+$/, '') !== api.origin) return;
    const endpoint = endpointOf(request.path ?? '', api.pathname);
    if (!endpoint) return;
    const method = request.method ?? 'GET';
    started.set(request, { startedAt: performance.now(), method, ...endpoint, ...activityIds() });
  };
  const finish = (request: object, status: string) => {
    const call = started.get(request);
    if (!call) return;
    started.delete(request);
    const durationMs = Math.round(performance.now() - call.startedAt);
    const labels = { method: call.method, endpoint: call.endpoint };
    requests.total.add(1, { ...labels, status });
    requests.latency.record(durationMs, labels);
    if (status === '429') requests.throttled.add(1, labels);
    const { startedAt: _startedAt, ...fields } = call;
    const failed = status === 'error' || status === '429' || Number(status) >= 500;
    options.logger?.[failed ? 'warn' : 'debug']({ ...fields, status, durationMs }, 'Cloud Manager API call');
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    finish(request, String(response.statusCode));
  };
  const onError = (message: unknown) => finish((message as { request: object }).request, 'error');
  diagnosticsChannel.subscribe('undici:request:create', onCreate);
  diagnosticsChannel.subscribe('undici:request:headers', onHeaders);
  diagnosticsChannel.subscribe('undici:request:error', onError);
  return () => {
    diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    diagnosticsChannel.unsubscribe('undici:request:headers', onHeaders);
    diagnosticsChannel.unsubscribe('undici:request:error', onError);
  };
}

function metricsOf(meter: MetricMeter) {
  return {
    total: meter.createCounter(METRICS.apiRequests, undefined, 'Cloud Manager API requests by answer'),
    throttled: meter.createCounter(METRICS.apiThrottled, undefined, 'Cloud Manager API 429 answers'),
    latency: meter.createHistogram(METRICS.apiLatency, 'int', 'ms', 'Cloud Manager API time to answer'),
  };
}
