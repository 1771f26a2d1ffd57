import { defineQuery, isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import { cloneJson } from '../shared/spec-changes';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import type { RunbookProgress, StepProgress, StepStatus } from '../shared/runbook';
import { failureText } from './failures';

/** Every runbook answers this query with its steps, cluster and state. */
export const runbookProgressQuery = defineQuery<RunbookProgress>('runbookProgress');

/**
 * The visible state of a running runbook: steps with their times, the cluster it acts on, and the
 * search attributes that let `temporal workflow list --query` find it by cluster and step.
 */
export class RunbookTracker {
  private readonly progress: RunbookProgress;

  constructor(kind: string, clusterName: string, steps: Array<{ name: string; title: string }>) {
    this.progress = {
      kind,
      clusterName,
      steps: steps.map((step) => ({ ...step, status: 'pending' as StepStatus })),
    };
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.kind, value: kind },
      { key: SEARCH_ATTRIBUTES.clusterName, value: clusterName },
    ]);
  }

  snapshot(): RunbookProgress {
    return cloneJson(this.progress);
  }

  get steps(): StepProgress[] {
    return cloneJson(this.progress.steps);
  }

  /** Runs one step, marking it running, then completed or failed, with its detail line. */
  async step<T>(name: string, run: () => Promise<T>, describe?: (result: T) => string): Promise<T> {
    const step = this.find(name);
    step.status = 'running';
    step.startedAt = new Date().toISOString();
    this.progress.currentStep = name;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: name }]);
    try {
      const result = await run();
      step.status = 'completed';
      if (describe) step.detail = describe(result);
      return result;
    } catch (error) {
      step.status = isCancellation(error) ? 'cancelled' : 'failed';
      step.detail = failureText(error);
      throw error;
    } finally {
      step.endedAt = new Date().toISOString();
    }
  }

  skip(name: string, reason: string): void {
    const step = this.find(name);
    step.status = 'skipped';
    step.detail = reason;
  }

  /** Updates the running step's detail line (what it is waiting for). */
  detail(text: string): void {
    const current = this.progress.currentStep;
    if (current) this.find(current).detail = text;
  }

  cluster(update: {
    clusterId?: string;
    clusterName?: string;
    resourceVersion?: number;
    state?: string;
  }): void {
    if (update.clusterId && update.clusterId !== this.progress.clusterId) {
      this.progress.clusterId = update.clusterId;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.clusterId, value: update.clusterId }]);
    }
    if (update.clusterName && update.clusterName !== this.progress.clusterName) {
      this.progress.clusterName = update.clusterName;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.clusterName, value: update.clusterName }]);
    }
    if (update.resourceVersion !== undefined) this.progress.resourceVersion = update.resourceVersion;
    if (update.state !== undefined) this.progress.clusterState = update.state;
  }

  /** The child runbook acting for the current step, shown so followers can show its steps too; undefined when it ends. */
  child(runbookId: string | undefined): void {
    if (runbookId === undefined) delete this.progress.child;
    else this.progress.child = runbookId;
  }

  finish(outcome: RunbookProgress['outcome']): void {
    this.progress.outcome = outcome;
    this.progress.currentStep = undefined;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: outcome ?? 'ended' }]);
  }

  private find(name: string): StepProgress {
    const step = this.progress.steps.find((candidate) => candidate.name === name);
    if (!step) throw new Error(`unknown step ${name}`);
    return step;
  }
}
