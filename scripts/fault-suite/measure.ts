import { setTimeout as delay } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { apiFaults, duplicateClusters, earlyRetries, repeatedChanges, type CaseFigures } from './figures';
import { currentStep, LIFECYCLE_STEPS, type RunOutcome } from './runbooks';
import type { SuiteEmulator, SuiteStack } from './stack';

/** What every fault case does after its runbooks end (measure) and while they run (wait for a step). */

const NO_FAULTS = { errorRate: 0, throttleRate: 0, latencyMs: 0, dropAfterCommitRate: 0 };

export interface Measure {
  name: string;
  startedAt: number;
  emulator: SuiteEmulator;
  outcomes: RunOutcome[];
  /** Kills and restarts. */
  injected: number;
  /** For a case with API faults: count them from the log, and check retries against Retry-After. */
  apiFaults?: { retryAfterSeconds: number; latencySpikeMs: number };
}

/** Reads the emulator (faults off) and turns what happened into the case's figures. */
export async function measure(stack: SuiteStack, facts: Measure): Promise<CaseFigures> {
  facts.emulator.setFaults(NO_FAULTS);
  const api = new CloudManagerClient({
    baseUrl: facts.emulator.apiUrl,
    auth: new StaticTokenProvider(stack.token),
  });
  const clusters = await api.listClusters();
  const log = facts.emulator.requestLog();
  const injectedApiFaults = facts.apiFaults ? apiFaults(log, facts.apiFaults.latencySpikeMs) : 0;
  const retries = earlyRetries(log, facts.apiFaults?.retryAfterSeconds ?? 0);
  return {
    name: facts.name,
    runs: facts.outcomes.length,
    faults: facts.injected + injectedApiFaults,
    completed: facts.outcomes.filter((outcome) => outcome.completed).length,
    duplicates: duplicateClusters(clusters, facts.outcomes),
    repeatedChanges: repeatedChanges(clusters, facts.outcomes),
    earlyRetries: retries.early,
    retriesChecked: retries.checked,
    durationMs: Date.now() - facts.startedAt,
    problems: facts.outcomes
      .filter((outcome) => !outcome.completed)
      .map((o) => `${o.workflowId}: ${o.problem}`),
  };
}

const stepIndex = (step: string | undefined) =>
  LIFECYCLE_STEPS.indexOf(step as (typeof LIFECYCLE_STEPS)[number]);

/** Waits until every runbook is at or past `step` (or the deadline). */
export async function untilAllReach(
  handles: WorkflowHandle[],
  step: string,
  deadline: number,
): Promise<void> {
  while (Date.now() < deadline) {
    const steps = await Promise.all(handles.map(currentStep));
    if (steps.every((current) => stepIndex(current) >= stepIndex(step) || current === 'completed')) return;
    await delay(100);
  }
}
