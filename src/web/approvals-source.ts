import { WorkflowUpdateFailedError, type WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowNotFoundError, type QueryDefinition, type UpdateDefinition } from '@temporalio/common';
import type { ApprovalAudit, DecisionAck, DecisionRequest, PendingApproval } from '../shared/approval';
import { DEFAULT_TASK_QUEUE } from '../shared/constants';
import { DEFAULT_ENVIRONMENT, environmentOfRunbook } from '../shared/environments';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import {
  approvalAuditQuery,
  approveChangeUpdate,
  pendingApprovalQuery,
} from '../workflows/approval-messages';

/**
 * What the page reads from and sends to Temporal: pending gates found through visibility (the
 * `ImplyApprovalState` search attribute, no side database), their details through queries, and
 * decisions through the `approveChange` update.
 */

export type RunbookListEntry = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'
> &
  Partial<Pick<WorkflowExecutionInfo, 'taskQueue' | 'memo'>>;

/** The calls of a Temporal `Client` the page makes; a real Client fits, and so does a test's fake. */
export interface WebTemporalClient {
  workflow: {
    list(options: { query: string; pageSize?: number }): AsyncIterable<RunbookListEntry>;
    getHandle(workflowId: string): {
      query<Ret>(definition: QueryDefinition<Ret, []>): Promise<Ret>;
      /** Where the runbook runs (its task queue and memo say its environment); a fake may leave it out. */
      describe?(): Promise<Partial<Pick<WorkflowExecutionInfo, 'taskQueue' | 'memo'>>>;
      executeUpdate<Ret, Args extends [DecisionRequest]>(
        definition: UpdateDefinition<Ret, Args>,
        options: { args: Args; updateId?: string },
      ): Promise<Ret>;
      result(): Promise<unknown>;
    };
  };
}

const STATE = SEARCH_ATTRIBUTES.approval.name;
export const PENDING_VISIBILITY_QUERY = `${STATE} = 'pending' AND ExecutionStatus = 'Running'`;
export const DECIDED_VISIBILITY_QUERY = `${STATE} IN ('approved', 'rejected', 'timed-out', 'auto-approved')`;

export interface PendingRow {
  runbookId: string;
  /** The Imply environment of a runbook outside the default one (approvers must see which). */
  environment?: string;
  pending?: PendingApproval;
  /** Why the details could not be read (no worker, for instance); the row still shows. */
  problem?: string;
}

export interface DecidedRow {
  runbookId: string;
  clusterName?: string;
  outcome: string;
  running: boolean;
  closedAt?: Date;
  audit?: ApprovalAudit;
}

export type DecisionResult =
  { ok: true; ack: DecisionAck } | { ok: false; status: 404 | 409 | 503 | 504; reason: string };

export interface ApprovalsSourceOptions {
  /** How long a query may take before the page shows the row without details; default 5 s. */
  queryTimeoutMs?: number;
  /** How long a decision may wait for a worker to take it; default 30 s. */
  updateTimeoutMs?: number;
  pendingLimit?: number;
  recentLimit?: number;
  /** The base task queue: a runbook on `<base>-env-<name>` belongs to environment `<name>`. */
  baseTaskQueue?: string;
}

class TimedOut extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function firstEntries(entries: AsyncIterable<RunbookListEntry>, limit: number) {
  const found: RunbookListEntry[] = [];
  for await (const entry of entries) {
    found.push(entry);
    if (found.length >= limit) break;
  }
  return found;
}

function isAudit(value: unknown): value is ApprovalAudit {
  return typeof value === 'object' && value !== null && Array.isArray((value as ApprovalAudit).decisions);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads pending approvals and recent decisions, and sends decisions. Holds no state of its own. */
export class ApprovalsSource {
  private readonly queryTimeoutMs: number;
  private readonly updateTimeoutMs: number;

  constructor(
    private readonly client: WebTemporalClient,
    private readonly options: ApprovalsSourceOptions = {},
  ) {
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
    this.updateTimeoutMs = options.updateTimeoutMs ?? 30_000;
  }

  /** Runbooks waiting at a gate, with their plan; rows whose gate just closed are left out. Read-only. */
  async listPending(): Promise<PendingRow[]> {
    const query = { query: PENDING_VISIBILITY_QUERY, pageSize: this.options.pendingLimit ?? 50 };
    const entries = await firstEntries(this.client.workflow.list(query), query.pageSize);
    const rows = await Promise.all(
      entries.map(async (entry): Promise<PendingRow | undefined> => {
        const row: PendingRow = { runbookId: entry.workflowId, ...this.environmentOf(entry) };
        try {
          const pending = await this.pending(entry.workflowId);
          return pending ? { ...row, pending } : undefined;
        } catch (error) {
          return { ...row, problem: `details unavailable: ${messageOf(error)}` };
        }
      }),
    );
    return rows.filter((row): row is PendingRow => row !== undefined);
  }

  /** `{ environment }` for a runbook of a named environment; `{}` for the default one. Pure. */
  private environmentOf(entry: RunbookListEntry): { environment?: string } {
    const base = this.options.baseTaskQueue ?? DEFAULT_TASK_QUEUE;
    const environment = environmentOfRunbook({ memo: entry.memo, taskQueue: entry.taskQueue }, base);
    return environment && environment !== DEFAULT_ENVIRONMENT ? { environment } : {};
  }

  /** The environment of one runbook outside the default one, from its description. Read-only. */
  async environment(runbookId: string): Promise<string | undefined> {
    const describe = this.client.workflow.getHandle(runbookId).describe;
    if (!describe) return undefined;
    try {
      const info = await withTimeout(
        describe.call(this.client.workflow.getHandle(runbookId)),
        this.queryTimeoutMs,
        'describing the runbook',
      );
      return this.environmentOf({ ...info } as RunbookListEntry).environment;
    } catch {
      return undefined;
    }
  }

  /** The open gate of one runbook, or undefined when nothing waits. Throws WorkflowNotFoundError. Read-only. */
  pending(runbookId: string): Promise<PendingApproval | undefined> {
    const handle = this.client.workflow.getHandle(runbookId);
    return withTimeout(handle.query(pendingApprovalQuery), this.queryTimeoutMs, 'the pendingApproval query');
  }

  /**
   * Every plan and decision of one runbook: for an ended runbook the `approval` part of its result
   * first (no replay on a worker), else the query. Throws WorkflowNotFoundError. Read-only.
   */
  async audit(runbookId: string, options: { ended?: boolean } = {}): Promise<ApprovalAudit | undefined> {
    const handle = this.client.workflow.getHandle(runbookId);
    const fromResult = async () => {
      const result = await withTimeout(handle.result(), this.queryTimeoutMs, 'the result').catch(
        () => undefined,
      );
      const approval = (result as { approval?: unknown } | undefined)?.approval;
      return isAudit(approval) ? approval : undefined;
    };
    const ended = options.ended ? await fromResult() : undefined;
    if (ended) return ended;
    try {
      const audit = await withTimeout(handle.query(approvalAuditQuery), this.queryTimeoutMs, 'the query');
      if (isAudit(audit)) return audit;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw error;
    }
    return options.ended === undefined ? fromResult() : undefined;
  }

  /** The latest runbooks whose gate has closed, with their audit where it can be read. Read-only. */
  async recentDecisions(): Promise<DecidedRow[]> {
    const limit = this.options.recentLimit ?? 20;
    const query = { query: DECIDED_VISIBILITY_QUERY, pageSize: limit };
    const entries = await firstEntries(this.client.workflow.list(query), limit);
    return Promise.all(
      entries.map(async (entry) => ({
        runbookId: entry.workflowId,
        clusterName: entry.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterName),
        outcome: entry.typedSearchAttributes.get(SEARCH_ATTRIBUTES.approval) ?? 'unknown',
        running: entry.status.name === 'RUNNING',
        closedAt: entry.closeTime,
        audit: await this.audit(entry.workflowId, { ended: entry.status.name !== 'RUNNING' }).catch(
          () => undefined,
        ),
      })),
    );
  }

  /**
   * Sends one decision through the update. The update id is fixed per decider, decision and plan
   * version, so a double click or a retry after a timeout is the same update, never a second decision.
   */
  async decide(runbookId: string, request: DecisionRequest): Promise<DecisionResult> {
    const handle = this.client.workflow.getHandle(runbookId);
    const updateId = `web:${request.decider}:${request.decision}:v${request.planVersion}`;
    try {
      const sent = handle.executeUpdate(approveChangeUpdate, { args: [request], updateId });
      return { ok: true, ack: await withTimeout(sent, this.updateTimeoutMs, 'sending the decision') };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        return { ok: false, status: 409, reason: messageOf(error.cause ?? error) };
      }
      if (error instanceof WorkflowNotFoundError) {
        return { ok: false, status: 404, reason: `no runbook ${runbookId} is running: it may have ended` };
      }
      if (error instanceof TimedOut) {
        const reason = `${error.message}: is a worker running? Sending the same decision again is safe.`;
        return { ok: false, status: 504, reason };
      }
      return { ok: false, status: 503, reason: `Temporal did not take the decision: ${messageOf(error)}` };
    }
  }
}
