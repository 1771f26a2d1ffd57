import type { Client } from '@temporalio/client';

/** History events of one workflow and every child it started, at any depth, every run of each. */
export interface HistoryCount {
  events: number;
  /** Workflow histories read: one per run (a continued-as-new run counts again). */
  workflows: number;
  /** Events of the biggest single history (what one workflow run carries). */
  largest: number;
  /** The workflow that started the most children: how many, and from its first start to its last. */
  fanOut: { children: number; spanMs: number };
  /** The most runs one workflow id took (a fleet run that continued as new twice: 3). */
  mostRuns: number;
}

interface Execution {
  workflowId: string;
  runId?: string;
}

/** Runs `task` over `items` with at most `limit` at once; results in input order. */
export async function inPool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

async function readOne(client: Client, execution: Execution) {
  const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
  const events = history.events ?? [];
  const children: Execution[] = [];
  const startTimes: number[] = [];
  // A run that continued as new: its next run is counted as one more workflow history.
  const next = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  if (next) children.push({ workflowId: execution.workflowId, runId: next });
  for (const event of events) {
    const started = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (started?.workflowId) {
      children.push({ workflowId: started.workflowId, ...(started.runId ? { runId: started.runId } : {}) });
      const time = event.eventTime;
      startTimes.push(Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6);
    }
  }
  const spanMs = startTimes.length > 1 ? Math.max(...startTimes) - Math.min(...startTimes) : 0;
  return { workflowId: execution.workflowId, events: events.length, children, spanMs };
}

/** Counts the events of a workflow's history and of all its descendants'. Read-only. */
export async function countHistoryEvents(client: Client, root: Execution): Promise<HistoryCount> {
  const total: HistoryCount = {
    events: 0,
    workflows: 0,
    largest: 0,
    fanOut: { children: 0, spanMs: 0 },
    mostRuns: 1,
  };
  const runs = new Map<string, number>();
  let level: Execution[] = [root];
  while (level.length > 0) {
    const read = await inPool(level, 8, (execution) => readOne(client, execution));
    for (const one of read) {
      total.events += one.events;
      total.workflows += 1;
      total.largest = Math.max(total.largest, one.events);
      runs.set(one.workflowId, (runs.get(one.workflowId) ?? 0) + 1);
      total.mostRuns = Math.max(total.mostRuns, runs.get(one.workflowId) ?? 1);
      if (one.children.length > total.fanOut.children) {
        total.fanOut = { children: one.children.length, spanMs: one.spanMs };
      }
    }
    level = read.flatMap((one) => one.children);
  }
  return total;
}
