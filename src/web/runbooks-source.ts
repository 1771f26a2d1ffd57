import type { Client } from '@temporalio/client';
import { withTimeout } from '../approvals';
import { environmentOfRunbook } from '../shared/environments';
import type { RunbookProgress } from '../shared/runbook';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { runbookProgressQuery } from '../workflows/progress';

/**
 * The runbooks view: in flight and recent, from Temporal visibility, with the live steps of the
 * running ones (the same `runbookProgress` query the CLI follows). Reads only.
 */

export interface RunbookRow {
  runbookId: string;
  kind: string;
  cluster?: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW. */
  status: string;
  startedAt?: string;
  closedAt?: string;
  environment?: string;
  /** Who started it, when the start recorded it (the page's and the CLI's stops, starts and keep-alives). */
  startedBy?: string;
  progress?: RunbookProgress;
  /** Why the steps could not be read (no worker, for instance). */
  progressProblem?: string;
}

export interface RunbooksReadOptions {
  client: Client;
  baseTaskQueue: string;
  /** At most this many rows; default 50. */
  limit?: number;
  queryTimeoutMs?: number;
  /** Only this runbook (`?runbook=`). */
  runbookId?: string;
}

interface Started {
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  parentExecution?: { workflowId?: string | null };
}

/** Who started a runbook: the requester its start recorded, else its schedule or parent runbook. Pure. */
export function startedBy(execution: Started): string | undefined {
  const memo = execution.memo;
  if (typeof memo?.requester === 'string') return memo.requester;
  const keepAlive = memo?.keepAlive as { setBy?: unknown } | undefined;
  if (typeof keepAlive?.setBy === 'string') return keepAlive.setBy;
  const scheduledBy = (execution.searchAttributes?.TemporalScheduledById as unknown[] | undefined)?.[0];
  if (typeof scheduledBy === 'string') return `schedule ${scheduledBy}`;
  const parent = execution.parentExecution?.workflowId;
  return parent ? `runbook ${parent}` : undefined;
}

/** Runbooks newest first (only workflows with a runbook kind), the running ones with their steps. Read-only. */
export async function readRunbooks(options: RunbooksReadOptions): Promise<RunbookRow[]> {
  const limit = options.limit ?? 50;
  const rows: RunbookRow[] = [];
  // The page checked the id's characters (no quote can reach the query).
  const query = options.runbookId ? `WorkflowId = '${options.runbookId}'` : '';
  let scanned = 0;
  for await (const execution of options.client.workflow.list({ query, pageSize: 100 })) {
    if (++scanned > limit * 4 || rows.length >= limit) break;
    const kind = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind);
    if (!kind) continue;
    const by = startedBy(execution as Started);
    const environment = environmentOfRunbook(execution, options.baseTaskQueue);
    rows.push({
      runbookId: execution.workflowId,
      kind,
      cluster: execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterName),
      status: execution.status.name,
      startedAt: execution.startTime.toISOString(),
      closedAt: execution.closeTime?.toISOString(),
      ...(environment ? { environment } : {}),
      ...(by ? { startedBy: by } : {}),
    });
  }
  await Promise.all(
    rows
      .filter((row) => row.status === 'RUNNING' && row.kind !== 'keep-alive')
      .map(async (row) => {
        try {
          const handle = options.client.workflow.getHandle(row.runbookId);
          row.progress = await withTimeout(
            handle.query(runbookProgressQuery),
            options.queryTimeoutMs ?? 3_000,
            'the progress query',
          );
        } catch (error) {
          row.progressProblem = (error as Error).message;
        }
      }),
  );
  return rows;
}
