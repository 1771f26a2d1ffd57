import { diag, DiagLogLevel, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { tracingSettings, type TracingSettings } from '../config/observability';
import type { PinoLogger } from './logger';

/**
 * Optional OpenTelemetry tracing (`@temporalio/interceptors-opentelemetry`): spans for starting
 * runbooks (CLI, web server), for each runbook (`RunWorkflow:…`, from the workflow interceptors in the
 * traced workflow bundle) and each activity (`RunActivity:…`), sent over OTLP/HTTP (JSON) in batches.
 * One tracer provider per process, registered globally so trace context flows through async code.
 */

const EXPORT_TIMEOUT_MS = 5_000;

export interface Tracing {
  tracer: Tracer;
  /** Ends spans into batches for the exporter; the workflow sink feeds it too. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends the spans still batched, then stops. Safe to call twice. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** The tracing this process started, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/** OpenTelemetry's own complaints (a collector that does not answer) as warnings in our log. */
function diagnosticsTo(logger: PinoLogger): void {
  const warn = (message: string, ...args: unknown[]) =>
    logger.warn({ details: args.map(String).join(' ') || undefined }, `OpenTelemetry: ${message}`);
  diag.setLogger(
    { error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} },
    DiagLogLevel.WARN,
  );
}

/**
 * Starts exporting spans to `settings.tracesUrl` and registers the provider, the W3C propagator and
 * an AsyncLocalStorage context manager globally. Once per process: a second call returns the first.
 */
export function startTracing(settings: TracingSettings, component: string, logger?: PinoLogger): Tracing {
  if (active) return active;
  if (logger) diagnosticsTo(logger);
  const resource = new Resource({ 'service.name': settings.serviceName ?? `imply-runbooks-${component}` });
  const exporter = new OTLPTraceExporter({ url: settings.tracesUrl, timeoutMillis: EXPORT_TIMEOUT_MS });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  let stopping: Promise<void> | undefined;
  const tracing: Tracing = {
    tracer: provider.getTracer('imply-runbooks'),
    spanProcessor,
    resource,
    shutdown: () => (stopping ??= provider.shutdown().catch(() => undefined)),
  };
  active = tracing;
  return tracing;
}

/** Activity interceptors that run each activity in a `RunActivity:<type>` span under its runbook's. */
export function tracingActivityInterceptors(tracing: Tracing): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(context, { tracer: tracing.tracer }),
    outbound: new OpenTelemetryActivityOutboundInterceptor(context),
  });
}

/** The sink through which the workflow interceptors hand their spans to this process's exporter. */
export function tracingWorkflowSinks(tracing: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}

/** Client interceptors that trace starts, signals, updates and queries, and pass the context on. */
export function tracingClientInterceptors(tracing: Tracing): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] };
}

/**
 * The CLI's tracing, from the OTEL_* variables only (the CLI reads no configuration for it):
 * interceptors for its client and the shutdown that sends the spans; undefined when off. Throws
 * naming a bad variable.
 */
export function cliTracing(
  env: NodeJS.ProcessEnv,
): { interceptors: ClientInterceptors; shutdown(): Promise<void> } | undefined {
  const problems: string[] = [];
  const settings = tracingSettings(undefined, env, problems);
  if (problems.length > 0) throw new Error(`bad tracing settings in the environment: ${problems.join('; ')}`);
  if (!settings) return undefined;
  const tracing = startTracing(settings, 'cli');
  return { interceptors: tracingClientInterceptors(tracing), shutdown: () => tracing.shutdown() };
}
