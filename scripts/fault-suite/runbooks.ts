import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import { lifecycleStartOptions, type LifecycleInput, type LifecycleResult } from '../../src/shared/runbook';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { TUTORIAL_CLUSTER } from './tutorial-cluster';

/** The runbooks the suite runs: the whole lifecycle (create, scale, stop, delete), without approval. */

/** The six steps of a lifecycle runbook, in order (its scale, stop and delete run as child runbooks). */
export const LIFECYCLE_STEPS = ['validate', 'create', 'wait-running', 'scale', 'stop', 'delete'] as const;

/** Each suite runbook's cluster ends with this resource version: one PUT (scale), one PATCH (stop). */
export const EXPECTED_FINAL_VERSION = 2;

export interface RunOutcome {
  workflowId: string;
  clusterName: string;
  completed: boolean;
  /** How it ended when it did not complete: the failure, or "not finished within the deadline". */
  problem?: string;
}

/** A fresh cluster name per runbook: workflow ids (`lifecycle:<name>`) are shared by the whole server. */
export function suiteClusterName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Create, scale tier1 1 → 2, stop after `stopAfterMs`, delete: every step runs; no approval gate. */
export function suiteInput(name: string, stopAfterMs = 500): LifecycleInput {
  const cluster: ClusterRequest = { ...TUTORIAL_CLUSTER, metadata: { name } };
  return {
    cluster,
    scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
    stop: { afterMs: stopAfterMs },
    delete: {},
    wait: { pollInitialMs: 200, pollMaxMs: 1_000 },
    requester: 'fault-suite',
  };
}

/** Starts `count` runbooks the way the CLI does. Not idempotent. */
export async function startRunbooks(
  client: Client,
  taskQueue: string,
  prefix: string,
  count: number,
  stopAfterMs?: number,
): Promise<WorkflowHandle[]> {
  const handles: WorkflowHandle[] = [];
  for (let index = 0; index < count; index++) {
    const input = suiteInput(suiteClusterName(prefix), stopAfterMs);
    handles.push(await client.workflow.start('lifecycleRunbook', lifecycleStartOptions(input, taskQueue)));
  }
  return handles;
}

/** The step the runbook is at, from its search attributes: the server answers, no worker needed. */
export async function currentStep(handle: WorkflowHandle): Promise<string | undefined> {
  try {
    return (await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.step);
  } catch {
    return undefined;
  }
}

/** Waits for the runbook's end until `deadline`, riding out a Temporal server restart. */
export async function awaitOutcome(handle: WorkflowHandle, deadline: number): Promise<RunOutcome> {
  const clusterName = handle.workflowId.replace(/^lifecycle:/, '');
  const outcome = (completed: boolean, problem?: string): RunOutcome => ({
    workflowId: handle.workflowId,
    clusterName,
    completed,
    ...(problem ? { problem } : {}),
  });
  while (Date.now() < deadline) {
    const timer = new AbortController();
    try {
      const wait = delay(Math.max(deadline - Date.now(), 0), 'deadline' as const, { signal: timer.signal });
      const result = await Promise.race([handle.result() as Promise<LifecycleResult>, wait]);
      if (result === 'deadline') break;
      return outcome(result.outcome === 'completed' && result.finalState === 'DELETED');
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        const inner = error.cause?.cause instanceof Error ? ` ${error.cause.cause.message}` : '';
        return outcome(false, `${error.cause?.message ?? error.message}${inner}`);
      }
      // The server is restarting: ask again shortly.
      await delay(500);
    } finally {
      timer.abort();
    }
  }
  await handle.terminate('fault suite: not finished within the deadline').catch(() => {});
  return outcome(false, 'not finished within the deadline');
}

/** Waits for every runbook until `deadline`. */
export function awaitOutcomes(handles: WorkflowHandle[], deadline: number): Promise<RunOutcome[]> {
  return Promise.all(handles.map((handle) => awaitOutcome(handle, deadline)));
}
