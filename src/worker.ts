import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type Activities } from './activities';
import { notificationSettings } from './activities/notify';
import { loadConfig } from './config';
import { createClientFromEnv } from './cloud-manager/client';
import { getWorkflowBundle } from './workflow-bundle';
import {
  installWorkerObservability,
  WORKER_ACTIVITY_INTERCEPTORS,
} from './observability/worker-observability';
import { connectWorkerConnection, temporalSettingsFromEnv } from './temporal/connection';

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
}

/** Creates a worker for every workflow and activity on one task queue. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await getWorkflowBundle(options.dataConverter?.failureConverterPath),
    activities: options.activities,
    interceptors: { activity: WORKER_ACTIVITY_INTERCEPTORS },
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}

/** The worker's own connection as a client, for visibility reads (keep-alive overrides) in activities. */
function temporalAccess(connection: NativeConnection, namespace: string, dataConverter?: DataConverter) {
  return { client: new Client({ connection, namespace, dataConverter }), namespace };
}

/**
 * Runs the worker of `imply-runbooks worker` until SIGINT/SIGTERM: Temporal settings from the
 * standard TEMPORAL_* variables, Cloud Manager credentials from IMPLY_* (they stay in this process).
 */
export async function runWorker(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { taskQueue?: string; vanityDomain?: string; apiUrl?: string; configPath?: string } = {},
): Promise<void> {
  const config = loadConfig({ path: overrides.configPath, env });
  const observability = installWorkerObservability(config, env);
  const settings = temporalSettingsFromEnv(env);
  const taskQueue = overrides.taskQueue ?? settings.taskQueue;
  const api = createClientFromEnv(env, { vanityDomain: overrides.vanityDomain, apiUrl: overrides.apiUrl });
  // Read once at start: a bad file or an unset webhook variable stops the worker before it takes work.
  const notifications = notificationSettings(config, env);
  const connection = await connectWorkerConnection(settings);
  try {
    const worker = await createWorker({
      connection,
      namespace: settings.namespace,
      taskQueue,
      activities: createActivities({
        api,
        notifications,
        temporal: temporalAccess(connection, settings.namespace, settings.dataConverter),
      }),
      dataConverter: settings.dataConverter,
    });
    await observability.attach(worker, api.baseUrl);
    observability.announce(
      `Worker ready: task queue "${taskQueue}", namespace "${settings.namespace}" at ${settings.address}, ` +
        `Cloud Manager API ${api.baseUrl}`,
    );
    await worker.run();
    observability.announce('Worker stopped');
  } finally {
    await observability.close();
    await connection.close();
  }
}
