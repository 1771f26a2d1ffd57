import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { ensureSearchAttributes } from '../../src/cli/search-attributes-setup';
import { findTimeSkippingTestServer } from '../../src/temporal/cli-path';
import { getWorkflowBundle } from '../../src/workflow-bundle';

let runtimeInstalled = false;

/** A time-skipping test environment on the project's pinned test server (no download). */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const environment = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: findTimeSkippingTestServer() } },
  });
  await ensureSearchAttributes(environment.connection, environment.namespace ?? 'default');
  return environment;
}

/** Runs `body` while a worker with these activities polls a fresh task queue of its own. */
export async function withWorker<T>(
  environment: TestWorkflowEnvironment,
  activities: Partial<Activities>,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: environment.nativeConnection,
    namespace: environment.namespace ?? 'default',
    taskQueue,
    workflowBundle: await getWorkflowBundle(),
    activities,
  });
  return worker.runUntil(body(taskQueue));
}
