import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { DecisionRequest } from '../shared/approval';

/** What a visibility listing gives the approvals module about one runbook. */
export type RunbookListEntry = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'
> &
  Partial<Pick<WorkflowExecutionInfo, 'taskQueue' | 'memo' | 'type'>>;

/**
 * The calls of a Temporal `Client` the approvals module makes, for the CLI, the page and the gauges
 * alike; a real Client fits, and so does a test's fake.
 */
export interface ApprovalsTemporalClient {
  workflow: {
    list(options: { query: string; pageSize?: number }): AsyncIterable<RunbookListEntry>;
    getHandle(
      workflowId: string,
      runId?: string,
    ): {
      query<Ret>(definition: QueryDefinition<Ret, []>): Promise<Ret>;
      /** Where the runbook runs (its task queue and memo say its environment); a fake may leave it out. */
      describe?(): Promise<Partial<Pick<WorkflowExecutionInfo, 'taskQueue' | 'memo' | 'status'>>>;
      executeUpdate<Ret, Args extends [DecisionRequest]>(
        definition: UpdateDefinition<Ret, Args>,
        options: { args: Args; updateId?: string },
      ): Promise<Ret>;
      result(): Promise<unknown>;
    };
  };
}
