import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection } from '@temporalio/worker';
import { createActivities, type Activities } from './activities';
import { notificationSettings } from './activities/notify';
import { loadConfig } from './config';
import { createClientFromEnv } from './cloud-manager/client';
import { getWorkflowBundle } from './workflow-bundle';
import { connectWorkerConnection, temporalSettingsFromEnv } from './temporal/connection';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** How long in-flight activities may finish after a shutdown signal. */
  shutdownGraceTime?: string;
  identity?: string;
}

/** Creates a worker for every workflow and activity on one task queue. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await getWorkflowBundle(),
    activities: options.activities,
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

/** The worker's own connection as a client, for visibility reads (keep-alive overrides) in activities. */
function temporalAccess(connection: NativeConnection, namespace: string) {
  return { client: new Client({ connection, namespace }), namespace };
}

/**
 * Runs the worker of `imply-runbooks worker` until SIGINT/SIGTERM: Temporal settings from the
 * standard TEMPORAL_* variables, Cloud Manager credentials from IMPLY_* (they stay in this process).
 */
export async function runWorker(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { taskQueue?: string; vanityDomain?: string; apiUrl?: string; configPath?: string } = {},
): Promise<void> {
  Runtime.install({ logger: new DefaultLogger((env.IMPLY_RUNBOOKS_LOG_LEVEL ?? 'WARN') as LogLevel) });
  const settings = temporalSettingsFromEnv(env);
  const taskQueue = overrides.taskQueue ?? settings.taskQueue;
  const api = createClientFromEnv(env, { vanityDomain: overrides.vanityDomain, apiUrl: overrides.apiUrl });
  // Read once at start: a bad file or an unset webhook variable stops the worker before it takes work.
  const notifications = notificationSettings(loadConfig({ path: overrides.configPath, env }), env);
  const connection = await connectWorkerConnection(settings);
  try {
    const worker = await createWorker({
      connection,
      namespace: settings.namespace,
      taskQueue,
      activities: createActivities({ api, notifications, temporal: temporalAccess(connection, settings.namespace) }),
    });
    console.log(
      `Worker ready: task queue "${taskQueue}", namespace "${settings.namespace}" at ${settings.address}, ` +
        `Cloud Manager API ${api.baseUrl}`,
    );
    await worker.run();
    console.log('Worker stopped');
  } finally {
    await connection.close();
  }
}
