import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { describeApiFaults, type CaseFigures } from './figures';
import { measure, untilAllReach } from './measure';
import { awaitOutcomes, currentStep, LIFECYCLE_STEPS, startRunbooks } from './runbooks';
import type { SuiteStack } from './stack';

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
  /** Disturbs every case (it restarts the Temporal server): runs alone. */
  exclusive?: boolean;
  run(context: CaseContext): Promise<CaseFigures>;
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
  reduced: true,
  exclusive: true,
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
    for (const step of reduced ? ['wait-running'] : ['wait-running', 'scale', 'stop']) {
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
  async run({ stack, reduced, deadlineMs, log }) {
    const startedAt = Date.now();
    // Throttling is drawn first: 0.333 of the remaining 90% makes 30% of all requests 503s. Each
    // activity makes one or two requests, so a third of attempts fail and backoff grows: the reduced
    // version halves the 503s to stay within CI's time.
    const faults = {
      throttleRate: 0.1,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      errorRate: reduced ? 0.15 : 0.333,
      errorStatus: 503 as const,
      latencyMs: LATENCY_SPIKE_MS,
      latencyRate: 0.05,
      dropAfterCommitRate: 0.1,
    };
    const emulator = await stack.startEmulator({ transitionMs: 1_000, faults, seed: 7 });
    const taskQueue = `faults-api-${randomUUID()}`;
    await stack.startWorker(taskQueue, emulator.apiUrl);
    const handles = await startRunbooks(stack.client, taskQueue, 'api-faults', reduced ? 4 : 50, 500);
    const outcomes = await awaitOutcomes(handles, startedAt + deadlineMs);
    log(describeApiFaults(emulator.requestLog(), LATENCY_SPIKE_MS));
    return measure(stack, {
      name: this.name,
      startedAt,
      emulator,
      outcomes,
      injected: 0,
      apiFaults: { retryAfterSeconds: RETRY_AFTER_SECONDS, latencySpikeMs: LATENCY_SPIKE_MS },
    });
  },
};

const twoWorkers: FaultCase = {
  name: 'two workers, one killed for good',
  reduced: true,
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
