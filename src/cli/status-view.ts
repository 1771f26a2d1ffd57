import { ENCRYPTED_ENCODING } from '../codec/encryption-codec';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { environmentOfRunbook } from '../shared/environments';
import type { RunbookProgress } from '../shared/runbook';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { runbookProgressQuery } from '../workflows';
import { safe } from './output';
import { formatProgress } from './progress-printer';

/**
 * What `imply-runbooks status` shows. The steps come from the runbook's progress query, which a
 * worker answers; with no worker polling the runbook's task queue, the search attributes and memo
 * (kept by the server) still say which cluster and step, and the view says no worker polls.
 */
export interface StatusView {
  runbookId: string;
  status: string;
  environment?: string;
  progress?: RunbookProgress;
  /** Without progress: what the server keeps, and why the steps are missing. */
  fallback?: {
    kind?: string;
    cluster?: string;
    clusterId?: string;
    step?: string;
    memo?: Record<string, unknown>;
  };
  problem?: string;
}

/** Whether any worker polled `taskQueue` for workflow tasks recently. Reads only. */
async function workerPolls(client: Client, taskQueue: string): Promise<boolean> {
  const answer = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (answer.pollers ?? []).length > 0;
}

function fallbackOf(description: WorkflowExecutionDescription): NonNullable<StatusView['fallback']> {
  const attributes = description.typedSearchAttributes;
  return {
    kind: attributes.get(SEARCH_ATTRIBUTES.kind),
    cluster: attributes.get(SEARCH_ATTRIBUTES.clusterName),
    clusterId: attributes.get(SEARCH_ATTRIBUTES.clusterId),
    step: attributes.get(SEARCH_ATTRIBUTES.step),
    ...(description.memo && Object.keys(description.memo).length > 0 ? { memo: description.memo } : {}),
  };
}

/** The status of one runbook: its progress when a worker answers, else what the server keeps. Reads only. */
export async function readStatus(
  client: Client,
  baseTaskQueue: string,
  runbookId: string,
): Promise<StatusView> {
  const handle = client.workflow.getHandle(runbookId);
  const description = await handle.describe();
  const view: StatusView = {
    runbookId,
    status: description.status.name,
    environment: environmentOfRunbook(description, baseTaskQueue),
  };
  if (!(await workerPolls(client, description.taskQueue))) {
    const problem =
      `no worker polls the task queue "${description.taskQueue}", so the runbook cannot show its steps: ` +
      'start one with `imply-runbooks worker` (on that task queue); shown here is what the server keeps';
    return { ...view, fallback: fallbackOf(description), problem };
  }
  try {
    return { ...view, progress: await handle.query(runbookProgressQuery) };
  } catch (error) {
    // Encrypted payloads without the keys: say so (describeError explains it), do not pretend to know.
    if (error instanceof Error && error.name === 'ValueError' && error.message.includes(ENCRYPTED_ENCODING)) {
      throw error;
    }
    const problem = `the runbook did not answer its progress query (${(error as Error).message}); shown here is what the server keeps`;
    return { ...view, fallback: fallbackOf(description), problem };
  }
}

/** The lines `status` prints for people. Pure. */
export function formatStatus(view: StatusView): string[] {
  const lines = [safe`status:    ${view.status}`];
  if (view.environment) lines.push(safe`env:       ${view.environment}`);
  if (view.progress) return [...lines, ...formatProgress(view.progress)];
  const fallback = view.fallback ?? {};
  const id = fallback.clusterId ? safe` (${fallback.clusterId})` : '';
  lines.push(safe`runbook:   ${fallback.kind ?? '-'} for ${fallback.cluster ?? '-'}` + id);
  lines.push(safe`step:      ${fallback.step ?? '-'}`);
  for (const [key, value] of Object.entries(fallback.memo ?? {}))
    lines.push(safe`memo:      ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  if (view.problem) lines.push(safe`note:      ${view.problem}`);
  return lines;
}
