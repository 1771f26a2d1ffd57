import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import {
  Runtime,
  type ActivityInterceptorsFactory,
  type InjectedSinks,
  type Worker,
} from '@temporalio/worker';
import type { Config } from '../config';
import {
  observabilitySettings,
  type LogLevelName,
  type ObservabilitySettings,
} from '../config/observability';
import { getWorkflowBundle, type WorkflowCode } from '../workflow-bundle';
import { activityLogInterceptors } from './activity-interceptors';
import { observeCloudManagerCalls } from './api-metrics';
import { startApprovalGauges, type ApprovalGauges } from './approval-gauges';
import { startHealthServer, type RunningHealthServer } from './health-server';
import { createLogger, type PinoLogger } from './logger';
import { PinoTemporalLogger } from './temporal-logger';
import { activeTracing, startTracing, tracingActivityInterceptors, tracingWorkflowSinks } from './tracing';

/** The worker's observability: logs, Prometheus metrics, the health endpoint (see docs/production.md). */
export interface WorkerObservability {
  settings: ObservabilitySettings;
  logger: PinoLogger;
  /** Logs a lifecycle line (`Worker ready …`) whatever the level: supervisors wait for it. */
  announce(message: string): void;
  /**
   * Starts counting these clients' API calls and serving the health of these workers (one per
   * environment: healthy while all run) and, with metrics, reading the approval gauges of each
   * worker's task queue. Binds a port.
   */
  attach(worker: Worker | Worker[], apiBaseUrl: string | string[]): Promise<void>;
  /** Stops the health endpoint, the call counting and the gauges, then sends the last spans. Safe to call twice. */
  close(): Promise<void>;
}

/** Activity interceptors every worker gets: the runbook id and cluster id on activity log lines. */
export const WORKER_ACTIVITY_INTERCEPTORS: ActivityInterceptorsFactory[] = [activityLogInterceptors];

/** The parts of a worker's options that observability decides. */
export interface WorkerTelemetryOptions {
  workflowBundle: WorkflowCode;
  interceptors: { activity: ActivityInterceptorsFactory[] };
  sinks?: InjectedSinks<OpenTelemetrySinks>;
}

/**
 * The workflow bundle, interceptors and sinks of a worker: with tracing started in this process
 * (installWorkerObservability), the traced bundle, the tracing activity interceptors and the sink
 * that exports workflow spans; else the plain ones. Reads files only (bundles once per variant).
 */
export async function workerTelemetryOptions(failureConverterPath?: string): Promise<WorkerTelemetryOptions> {
  const tracing = activeTracing();
  const traced = tracing !== undefined;
  const workflowBundle = await getWorkflowBundle(failureConverterPath, process.env, { traced });
  if (!tracing) return { workflowBundle, interceptors: { activity: WORKER_ACTIVITY_INTERCEPTORS } };
  return {
    workflowBundle,
    interceptors: { activity: [tracingActivityInterceptors(tracing), ...WORKER_ACTIVITY_INTERCEPTORS] },
    sinks: tracingWorkflowSinks(tracing),
  };
}

/** Starts reading the approval gauges of each worker's task queue (one reader per queue). */
function startGauges(
  workers: Worker[],
  settings: ObservabilitySettings,
  meter: Runtime['metricMeter'],
  logger: PinoLogger,
): ApprovalGauges[] {
  if (!settings.metricsAddress || settings.approvalGaugeIntervalMs <= 0) return [];
  const queues = new Map<string, Worker>();
  for (const worker of workers) queues.set(`${worker.options.namespace}/${worker.options.taskQueue}`, worker);
  return [...queues.values()].flatMap((worker) => {
    const client = worker.client;
    if (!client) return [];
    const { namespace, taskQueue } = worker.options;
    const intervalMs = settings.approvalGaugeIntervalMs;
    return [startApprovalGauges({ client, meter, namespace, taskQueue, intervalMs, logger })];
  });
}

/** The Rust core's messages (and its HTTP/2 crates') flood below WARN: they follow the level only when stricter. */
function coreLevel(level: LogLevelName): LogLevelName {
  return level === 'ERROR' ? 'ERROR' : 'WARN';
}

/**
 * Reads the settings, then installs the Temporal runtime with pino as its logger and, when
 * IMPLY_RUNBOOKS_METRICS_ADDRESS is set, the Prometheus endpoint; starts tracing when configured.
 * Once per process: not idempotent.
 */
export function installWorkerObservability(config: Config, env: NodeJS.ProcessEnv): WorkerObservability {
  const settings = observabilitySettings(config.observability, env);
  const logger = createLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    component: 'worker',
    env,
  });
  const runtime = Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      logging: {
        filter: { core: coreLevel(settings.logLevel), other: coreLevel(settings.logLevel) },
        forward: {},
      },
      ...(settings.metricsAddress
        ? { metrics: { prometheus: { bindAddress: settings.metricsAddress } } }
        : {}),
    },
  });
  const announcer = logger.child({}, { level: 'info' });
  const announce = (message: string) => announcer.info(message);
  const tracing = settings.tracing ? startTracing(settings.tracing, 'worker', logger) : undefined;
  if (settings.tracing) announce(`OpenTelemetry tracing to ${settings.tracing.tracesUrl}`);
  let health: RunningHealthServer | undefined;
  let stopCounting: (() => void) | undefined;
  let gauges: ApprovalGauges[] = [];
  return {
    settings,
    logger,
    announce,
    async attach(worker, apiBaseUrl) {
      const workers = [worker].flat();
      const stops = [...new Set([apiBaseUrl].flat())].map((baseUrl) =>
        observeCloudManagerCalls({ baseUrl, meter: runtime.metricMeter, logger }),
      );
      stopCounting = () => stops.forEach((stop) => stop());
      gauges = startGauges(workers, settings, runtime.metricMeter, logger);
      if (settings.healthAddress) {
        health = await startHealthServer({
          address: settings.healthAddress,
          check: () => {
            const state = workers.map((each) => each.getState()).find((each) => each !== 'RUNNING');
            return { healthy: state === undefined, state: state ?? 'RUNNING' };
          },
        });
        announce(`Health endpoint at ${health.url}/healthz`);
      }
      if (settings.metricsAddress)
        announce(`Prometheus metrics at http://${settings.metricsAddress}/metrics`);
    },
    async close() {
      stopCounting?.();
      stopCounting = undefined;
      for (const gauge of gauges.splice(0)) gauge.stop();
      await health?.close();
      await tracing?.shutdown();
    },
  };
}
