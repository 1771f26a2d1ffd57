import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type Activities } from './activities';
import { notificationSettings } from './activities/notify';
import { loadConfiguredPrices } from './config/prices';
import { loadConfig } from './config';
import { DEFAULT_ENVIRONMENT } from './shared/environments';
import { installWorkerObservability, workerTelemetryOptions } from './observability/worker-observability';
import { connectWorkerConnection, temporalSettingsFromEnv } from './temporal/connection';
import { describeServedEnvironment, environmentsToServe, runWorkersTogether } from './worker-environments';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** How long in-flight activities may finish after a shutdown signal. */
  shutdownGraceTime?: string;
  identity?: string;
  /** Payload encryption (dataConverterFromEnv); absent: payloads as the SDK writes them. */
  dataConverter?: DataConverter;
  /** Activities per second the whole task queue dispatches, across all its workers (server-side). */
  maxTaskQueueActivitiesPerSecond?: number;
}

/** Creates a worker for every workflow and activity on one task queue. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    // The workflow bundle, interceptors and (with tracing) the span sink.
    ...(await workerTelemetryOptions(options.dataConverter?.failureConverterPath)),
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    // Eager activities skip the server's task queue, and so its rate limit: none where a limit is set.
    ...(options.maxTaskQueueActivitiesPerSecond
      ? {
          maxTaskQueueActivitiesPerSecond: options.maxTaskQueueActivitiesPerSecond,
          maxEagerActivityReservationsPerWorkflowTask: 0,
        }
      : {}),
  });
}

/** The worker's own connection as a client, for visibility reads (keep-alive overrides) in activities. */
function temporalAccess(connection: NativeConnection, namespace: string, dataConverter?: DataConverter) {
  return { client: new Client({ connection, namespace, dataConverter }), namespace };
}

/**
 * Runs the worker of `imply-runbooks worker` until SIGINT/SIGTERM: Temporal settings from the
 * standard TEMPORAL_* variables, Cloud Manager credentials from IMPLY_* (the default environment) and
 * from the variables the configuration's `environments:` name (they stay in this process). One
 * Worker per environment, each on its environment's task queue, over one connection.
 */
export async function runWorker(
  env: NodeJS.ProcessEnv = process.env,
  overrides: {
    taskQueue?: string;
    vanityDomain?: string;
    apiUrl?: string;
    configPath?: string;
    /** `--environments prod,staging`: serve only these (default: all configured plus default). */
    environments?: string;
  } = {},
): Promise<void> {
  const config = loadConfig({ path: overrides.configPath, env });
  const observability = installWorkerObservability(config, env);
  const settings = temporalSettingsFromEnv(env);
  // Resolved once at start: a missing credential stops the worker before it takes work.
  const served = environmentsToServe(config, env, {
    baseTaskQueue: overrides.taskQueue ?? settings.taskQueue,
    environments: overrides.environments,
    vanityDomain: overrides.vanityDomain,
    apiUrl: overrides.apiUrl,
  });
  // Read once at start: a bad file or an unset webhook variable stops the worker before it takes work.
  const notifications = notificationSettings(config, env);
  // The savings report's table, read once: a bad price file stops the worker too.
  const prices = loadConfiguredPrices(config);
  const connection = await connectWorkerConnection(settings);
  try {
    const temporal = temporalAccess(connection, settings.namespace, settings.dataConverter);
    const workers: Worker[] = [];
    for (const environment of served) {
      workers.push(
        await createWorker({
          connection,
          namespace: settings.namespace,
          taskQueue: environment.taskQueue,
          activities: createActivities({ api: environment.api, notifications, temporal, config, prices }),
          dataConverter: settings.dataConverter,
          maxTaskQueueActivitiesPerSecond: environment.requestsPerSecond,
        }),
      );
    }
    await observability.attach(
      workers,
      served.map((environment) => environment.api.baseUrl),
    );
    for (const environment of served) {
      const which = environment.name === DEFAULT_ENVIRONMENT ? '' : `environment "${environment.name}", `;
      observability.announce(
        `Worker ready: ${which}task queue "${environment.taskQueue}", namespace "${settings.namespace}" at ` +
          `${settings.address}, ${describeServedEnvironment(environment)}`,
      );
    }
    await runWorkersTogether(workers);
    observability.announce('Worker stopped');
  } finally {
    await observability.close();
    await connection.close();
  }
}
