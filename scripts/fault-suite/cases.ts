import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { apiFaults, duplicateClusters, earlyRetries, repeatedChanges, type CaseFigures } from './figures';
import { awaitOutcomes, currentStep, LIFECYCLE_STEPS, startRunbooks, type RunOutcome } from './runbooks';
import type { SuiteEmulator, SuiteStack } from './stack';

/**
 * The fault cases of issue 7. Each gets its own emulator, task queue and workers, injects its
 * faults while its runbooks run, and measures the result in the emulator's request log.
 */

export interface CaseContext {
  stack: SuiteStack;
  reduced: boolean;
  /** How long the case's runbooks may take, from their start. */
  deadlineMs: number;
  log: (line: string) => void;
}

export interface FaultCase {
  name: string;
  /** Runs in the reduced suite (CI) too. */
  reduced: boolean;
  run(context: CaseContext): Promise<CaseFigures>;
}

const NO_FAULTS = { errorRate: 0, throttleRate: 0, latencyMs: 0, dropAfterCommitRate: 0 };

interface Measure {
  name: string;
  startedAt: number;
  emulator: SuiteEmulator;
  outcomes: RunOutcome[];
  injected: number;
  retryAfterSeconds?: number;
  latencySpikeMs?: number;
}

/** Reads the emulator (faults off) and turns what happened into the case's figures. */
async function measure(stack: SuiteStack, facts: Measure): Promise<CaseFigures> {
  facts.emulator.setFaults(NO_FAULTS);
  const api = new CloudManagerClient({
    baseUrl: facts.emulator.apiUrl,
    auth: new StaticTokenProvider(stack.token),
  });
  const clusters = await api.listClusters();
  const log = facts.emulator.requestLog();
  const injectedApiFaults = facts.retryAfterSeconds === undefined ? 0 : apiFaults(log, facts.latencySpikeMs);
  return {
    name: facts.name,
    runs: facts.outcomes.length,
    faults: facts.injected + injectedApiFaults,
    completed: facts.outcomes.filter((outcome) => outcome.completed).length,
    duplicates: duplicateClusters(clusters, facts.outcomes),
    repeatedChanges: repeatedChanges(clusters, facts.outcomes),
    earlyRetries: earlyRetries(log, facts.retryAfterSeconds ?? 0),
    durationMs: Date.now() - facts.startedAt,
    problems: facts.outcomes
      .filter((outcome) => !outcome.completed)
      .map((o) => `${o.workflowId}: ${o.problem}`),
  };
}

const stepIndex = (step: string | undefined) =>
  LIFECYCLE_STEPS.indexOf(step as (typeof LIFECYCLE_STEPS)[number]);

/** Waits until every runbook is at or past `step` (or the deadline). */
async function untilAllReach(handles: WorkflowHandle[], step: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const steps = await Promise.all(handles.map(currentStep));
    if (steps.every((current) => stepIndex(current) >= stepIndex(step) || current === 'completed')) return;
    await delay(100);
  }
}

const workerKill: FaultCase = {
  name: 'worker SIGKILL at every step',
  reduced: true,
  async run({ stack, reduced, deadlineMs, log }) {
    const startedAt = Date.now();
    // Latency makes every step last long enough to be caught in it.
    const emulator = await stack.startEmulator({ transitionMs: 1_500, faults: { latencyMs: 300 } });
    const taskQueue = `faults-kill-${randomUUID()}`;
    const worker = await stack.startWorker(taskQueue, emulator.apiUrl);
    const steps: readonly string[] = reduced ? ['wait-running', 'stop'] : LIFECYCLE_STEPS;
    const handles = await startRunbooks(stack.client, taskQueue, 'kill', steps.length, 3_000);
    const waiting = new Map(steps.map((step, index) => [step, handles[index]!]));
    const deadline = startedAt + deadlineMs;
    let kills = 0;
    while (waiting.size > 0 && Date.now() < deadline) {
      for (const [step, handle] of waiting) {
        if ((await currentStep(handle)) !== step) continue;
        worker.kill();
        kills += 1;
        waiting.delete(step);
        log(`  SIGKILL while ${handle.workflowId} is at ${step}; waiting for the restart`);
        await worker.readyAgain(kills);
      }
      await delay(50);
    }
    const outcomes = await awaitOutcomes(handles, deadline);
    return measure(stack, { name: this.name, startedAt, emulator, outcomes, injected: kills });
  },
};

const temporalRestart: FaultCase = {
  name: 'Temporal server restart',
  reduced: false,
  async run({ stack, reduced, deadlineMs, log }) {
    const startedAt = Date.now();
    const emulator = await stack.startEmulator({ transitionMs: 1_500 });
    const taskQueue = `faults-temporal-${randomUUID()}`;
    await stack.startWorker(taskQueue, emulator.apiUrl);
    const handles = await startRunbooks(stack.client, taskQueue, 'temporal-restart', reduced ? 2 : 5, 3_000);
    const deadline = startedAt + deadlineMs;
    let restarts = 0;
    for (const step of ['wait-running', 'stop']) {
      await untilAllReach(handles, step, deadline);
      log(`  restarting the Temporal server while the runbooks are at ${step}`);
      await stack.restartTemporal();
      restarts += 1;
    }
    const outcomes = await awaitOutcomes(handles, deadline);
    return measure(stack, { name: this.name, startedAt, emulator, outcomes, injected: restarts });
  },
};

const emulatorRestart: FaultCase = {
  name: 'emulator restart (--db)',
  reduced: true,
  async run({ stack, reduced, deadlineMs, log }) {
    const startedAt = Date.now();
    const emulator = await stack.startEmulator({ transitionMs: 2_000 });
    const taskQueue = `faults-emulator-${randomUUID()}`;
    await stack.startWorker(taskQueue, emulator.apiUrl);
    const handles = await startRunbooks(stack.client, taskQueue, 'emulator-restart', reduced ? 2 : 5, 2_000);
    const deadline = startedAt + deadlineMs;
    let restarts = 0;
    for (const step of reduced ? ['wait-running'] : ['wait-running', 'wait-scaled', 'stop']) {
      await untilAllReach(handles, step, deadline);
      log(`  restarting the emulator while the runbooks are at ${step} (transitions in flight)`);
      await emulator.restart();
      restarts += 1;
    }
    const outcomes = await awaitOutcomes(handles, deadline);
    return measure(stack, { name: this.name, startedAt, emulator, outcomes, injected: restarts });
  },
};

const RETRY_AFTER_SECONDS = 2;
const LATENCY_SPIKE_MS = 2_000;

const apiFaultStorm: FaultCase = {
  name: 'API faults (503, 429, 2 s latency, commit-then-drop)',
  reduced: true,
  async run({ stack, reduced, deadlineMs }) {
    const startedAt = Date.now();
    // Throttling is drawn first: 0.333 of the remaining 90% makes 30% of all requests 503s.
    const faults = {
      throttleRate: 0.1,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      errorRate: 0.333,
      errorStatus: 503 as const,
      latencyMs: LATENCY_SPIKE_MS,
      latencyRate: 0.05,
      dropAfterCommitRate: 0.1,
    };
    const emulator = await stack.startEmulator({ transitionMs: 1_000, faults, seed: 7 });
    const taskQueue = `faults-api-${randomUUID()}`;
    await stack.startWorker(taskQueue, emulator.apiUrl);
    const handles = await startRunbooks(stack.client, taskQueue, 'api-faults', reduced ? 6 : 50, 500);
    const outcomes = await awaitOutcomes(handles, startedAt + deadlineMs);
    return measure(stack, {
      name: this.name,
      startedAt,
      emulator,
      outcomes,
      injected: 0,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      latencySpikeMs: LATENCY_SPIKE_MS,
    });
  },
};

const twoWorkers: FaultCase = {
  name: 'two workers, one killed for good',
  reduced: false,
  async run({ stack, reduced, deadlineMs, log }) {
    const startedAt = Date.now();
    const emulator = await stack.startEmulator({ transitionMs: 1_500, faults: { latencyMs: 200 } });
    const taskQueue = `faults-two-${randomUUID()}`;
    const doomed = await stack.startWorker(taskQueue, emulator.apiUrl);
    await stack.startWorker(taskQueue, emulator.apiUrl);
    const handles = await startRunbooks(stack.client, taskQueue, 'two-workers', reduced ? 3 : 10, 2_000);
    const deadline = startedAt + deadlineMs;
    await untilAllReach(handles, 'wait-running', deadline);
    log('  killing one of the two workers for good');
    doomed.killForGood();
    const outcomes = await awaitOutcomes(handles, deadline);
    return measure(stack, { name: this.name, startedAt, emulator, outcomes, injected: 1 });
  },
};

export const FAULT_CASES: readonly FaultCase[] = [
  workerKill,
  temporalRestart,
  emulatorRestart,
  apiFaultStorm,
  twoWorkers,
];
