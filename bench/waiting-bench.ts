import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ensureSearchAttributes } from '../src/cli/search-attributes-setup';
import { powerStartOptions, type PowerInput } from '../src/shared/power';
import type { WaitOptions } from '../src/shared/runbook';
import { findTimeSkippingTestServer } from '../src/dev/cli-path';
import { getWorkflowBundle } from '../src/workflow-bundle';
import type { powerRunbook } from '../src/workflows/power';
import { slowClusterApi } from './slow-cluster-api';
import { installQuietRuntime } from './stack';

/**
 * What waiting costs: one power runbook stopping one cluster whose stop takes `transitionMs`
 * (10 minutes by default), on the time-skipping test server, measured three ways: with an instant
 * stop (the runbook's fixed cost), with the product's polling backoff, and polling every second.
 */
export interface WaitingRun {
  name: 'instant' | 'backoff' | 'every-second';
  wait: WaitOptions;
  transitionMs: number;
  apiCalls: number;
  polls: number;
  historyEvents: number;
}

export interface WaitingBenchResult {
  transitionMs: number;
  runs: WaitingRun[];
  /** backoff minus instant: what the wait alone cost. */
  waitingCost: { apiCalls: number; historyEvents: number };
  /** every-second minus instant. */
  everySecondCost: { apiCalls: number; historyEvents: number };
}

async function measureOne(
  environment: TestWorkflowEnvironment,
  run: Pick<WaitingRun, 'name' | 'wait' | 'transitionMs'>,
): Promise<WaitingRun> {
  const clusterId = `slow-${randomUUID()}`;
  const api = slowClusterApi(clusterId, run.transitionMs);
  const taskQueue = `bench-wait-${randomUUID()}`;
  const worker = await Worker.create({
    connection: environment.nativeConnection,
    namespace: environment.namespace ?? 'default',
    taskQueue,
    workflowBundle: await getWorkflowBundle(),
    activities: api.activities,
  });
  const input: PowerInput = {
    clusterId,
    action: 'stop',
    requester: 'bench',
    source: 'person',
    wait: run.wait,
  };
  const historyEvents = await worker.runUntil(async () => {
    const handle = await environment.client.workflow.start<typeof powerRunbook>(
      'powerRunbook',
      powerStartOptions(input, taskQueue),
    );
    await handle.result();
    return (await handle.fetchHistory()).events?.length ?? 0;
  });
  const apiCalls = [...api.calls.values()].reduce((sum, value) => sum + value, 0);
  return { ...run, apiCalls, polls: api.calls.get('getClusterSummary') ?? 0, historyEvents };
}

const minus = (left: WaitingRun, right: WaitingRun) => ({
  apiCalls: left.apiCalls - right.apiCalls,
  historyEvents: left.historyEvents - right.historyEvents,
});

/** Runs the three measurements on a time-skipping test server of its own. Touches no real API. */
export async function runWaitingBench(transitionMs: number): Promise<WaitingBenchResult> {
  installQuietRuntime();
  const environment = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: findTimeSkippingTestServer() } },
  });
  try {
    await ensureSearchAttributes(environment.connection, environment.namespace ?? 'default');
    const instant = await measureOne(environment, { name: 'instant', wait: {}, transitionMs: 0 });
    const backoff = await measureOne(environment, { name: 'backoff', wait: {}, transitionMs });
    const everySecond = await measureOne(environment, {
      name: 'every-second',
      wait: { pollInitialMs: 1000, pollMaxMs: 1000 },
      transitionMs,
    });
    return {
      transitionMs,
      runs: [instant, backoff, everySecond],
      waitingCost: minus(backoff, instant),
      everySecondCost: minus(everySecond, instant),
    };
  } finally {
    await environment.teardown();
  }
}
