import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterRequest } from '../src/cloud-manager/schemas/cluster';
import { lifecycleStartOptions, type LifecycleInput } from '../src/shared/runbook';
import { parseSpecChange } from '../src/shared/spec-changes';
import type { lifecycleRunbook } from '../src/workflows';
import { countHistoryEvents, inPool } from './history-events';
import { sampleMemory } from './memory-sampler';
import type { BenchStack } from './stack';
import { startWorkerProcess } from './worker-process';

/** K lifecycle runbooks started at once against instant transitions, on one worker process. */
export interface LifecycleBenchResult {
  runbooks: number;
  completed: number;
  failures: string[];
  /** The plan every runbook ran. */
  plan: string;
  wallMs: number;
  runbooksPerMinute: number;
  historyEvents: { mean: number; max: number };
  apiCallsPerRunbook: number;
  memory: { peakRssBytes: number; lifetimePeakBytes: number; samples: number; how: string };
}

const TUTORIAL_CLUSTER = JSON.parse(
  readFileSync(path.resolve(__dirname, '../examples/tutorial-cluster.json'), 'utf8'),
) as ClusterRequest;
const PLAN =
  'the tutorial: validate, create, wait RUNNING, scale data.tier1.replicas=2, wait, verify, stop, delete';

function input(name: string): LifecycleInput {
  return {
    cluster: { ...TUTORIAL_CLUSTER, metadata: { name } },
    scale: [parseSpecChange('data.tier1.replicas=2')],
    stop: { afterMs: 0 },
    delete: { afterMs: 0 },
  };
}

async function runAll(stack: BenchStack, taskQueue: string, count: number, label: string) {
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      stack.client.workflow.start<typeof lifecycleRunbook>(
        'lifecycleRunbook',
        lifecycleStartOptions(input(`bench-${label}-${index + 1}`), taskQueue),
      ),
    ),
  );
  const outcomes = await Promise.allSettled(handles.map((handle) => handle.result()));
  const wallMs = performance.now() - started;
  const failures = outcomes.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [`${handles[index]?.workflowId}: ${String(outcome.reason)}`] : [],
  );
  return { handles, wallMs, failures };
}

/** Runs the lifecycle benchmark: creates and deletes K emulated clusters. Each call starts its own emulator and worker. */
export async function runLifecycleBench(stack: BenchStack, count: number): Promise<LifecycleBenchResult> {
  const { emulator } = await stack.startEmulator({ transitionMs: 0 });
  const worker = await startWorkerProcess({
    address: stack.address,
    apiUrl: emulator.apiUrl,
    token: stack.token,
  });
  try {
    const sampler = sampleMemory(worker.pid);
    const label = Date.now().toString(36);
    const { handles, wallMs, failures } = await runAll(stack, worker.taskQueue, count, label);
    const memory = sampler.stop();
    // A runbook's events are its own and its children's: the scale, stop and delete run as child
    // runbooks on change:<uid> since the lifecycle composes the change pipeline.
    const counted = await inPool(handles, 8, (handle) =>
      countHistoryEvents(stack.client, { workflowId: handle.workflowId, runId: handle.firstExecutionRunId }),
    );
    const events = counted.map((count) => count.events);
    return {
      runbooks: count,
      completed: count - failures.length,
      failures,
      plan: PLAN,
      wallMs,
      runbooksPerMinute: (count / wallMs) * 60_000,
      historyEvents: {
        mean: events.reduce((sum, value) => sum + value, 0) / count,
        max: Math.max(...events),
      },
      apiCallsPerRunbook: emulator.requestLog().length / count,
      memory: { ...memory, how: 'RSS of the worker child process, sampled every 100 ms from /proc' },
    };
  } finally {
    await worker.stop();
    await emulator.close();
  }
}
