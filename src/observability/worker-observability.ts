import { Runtime, type ActivityInterceptorsFactory, type Worker } from '@temporalio/worker';
import type { Config } from '../config';
import {
  observabilitySettings,
  type LogLevelName,
  type ObservabilitySettings,
} from '../config/observability';
import { activityLogInterceptors } from './activity-interceptors';
import { observeCloudManagerCalls } from './api-metrics';
import { startHealthServer, type RunningHealthServer } from './health-server';
import { createLogger, type PinoLogger } from './logger';
import { PinoTemporalLogger } from './temporal-logger';

/** The worker's observability: logs, Prometheus metrics, the health endpoint (see docs/production.md). */
export interface WorkerObservability {
  settings: ObservabilitySettings;
  logger: PinoLogger;
  /** Logs a lifecycle line (`Worker ready …`) whatever the level: supervisors wait for it. */
  announce(message: string): void;
  /** Starts counting this client's API calls and serving the health of this worker. Binds a port. */
  attach(worker: Worker, apiBaseUrl: string): Promise<void>;
  /** Stops the health endpoint and the call counting. Safe to call twice. */
  close(): Promise<void>;
}

/** Activity interceptors every worker gets: the runbook id and cluster id on activity log lines. */
export const WORKER_ACTIVITY_INTERCEPTORS: ActivityInterceptorsFactory[] = [activityLogInterceptors];

/** The Rust core's messages (and its HTTP/2 crates') flood below WARN: they follow the level only when stricter. */
function coreLevel(level: LogLevelName): LogLevelName {
  return level === 'ERROR' ? 'ERROR' : 'WARN';
}

/**
 * Reads the settings, then installs the Temporal runtime with pino as its logger and, when
 * IMPLY_RUNBOOKS_METRICS_ADDRESS is set, the Prometheus endpoint. Once per process: not idempotent.
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
  let health: RunningHealthServer | undefined;
  let stopCounting: (() => void) | undefined;
  return {
    settings,
    logger,
    announce,
    async attach(worker, apiBaseUrl) {
      stopCounting = observeCloudManagerCalls({ baseUrl: apiBaseUrl, meter: runtime.metricMeter, logger });
      if (settings.healthAddress) {
        health = await startHealthServer({
          address: settings.healthAddress,
          check: () => ({ healthy: worker.getState() === 'RUNNING', state: worker.getState() }),
        });
        announce(`Health endpoint at ${health.url}/healthz`);
      }
      if (settings.metricsAddress)
        announce(`Prometheus metrics at http://${settings.metricsAddress}/metrics`);
    },
    async close() {
      stopCounting?.();
      stopCounting = undefined;
      await health?.close();
    },
  };
}
