import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { ensureSearchAttributes } from '../../src/cli/search-attributes-setup';
import { findTimeSkippingTestServer } from '../../src/dev/cli-path';
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

/**
 * Terminates a workflow once no workflow task of it is outstanding. The time-skipping test server
 * locks time for each workflow task it hands out and never lets go of one whose workflow was
 * terminated under it: every later test on that server would run on the wall clock. Its describe
 * does not report the pending task, so the history's last event tells.
 */
export async function terminateWhenIdle(handle: WorkflowHandle): Promise<void> {
  const { EventType } = temporal.api.enums.v1;
  const outstanding = new Set([
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  ]);
  for (let attempt = 0; attempt < 200; attempt++) {
    const description = await handle.describe().catch(() => undefined);
    if (!description || description.status.name !== 'RUNNING') return;
    const last = (await handle.fetchHistory()).events?.at(-1)?.eventType;
    if (last === undefined || last === null || !outstanding.has(last)) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await handle.terminate('test over').catch(() => undefined);
}
