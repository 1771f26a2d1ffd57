import { WorkflowNotFoundError } from '@temporalio/common';
import {
  DECIDED_APPROVALS_QUERY,
  DecisionRefused,
  environmentOfEntry,
  firstEntries,
  listPendingApprovals,
  readAuditOf,
  RunbookNotFound,
  sendDecision,
  TimedOut,
  withTimeout,
  type ApprovalsTemporalClient,
  type RunbookListEntry,
} from '../approvals';
import type { ApprovalAudit, DecisionAck, DecisionRequest, PendingApproval } from '../shared/approval';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { pendingApprovalQuery } from '../workflows/approval-messages';

/**
 * The page's view of the approvals module (src/approvals): pending gates, recent decisions and the
 * audit, with the page's timeouts, and decisions answered as HTTP statuses.
 */

export type { RunbookListEntry } from '../approvals';
/** The calls of a Temporal `Client` the page makes: the approvals module's. */
export type WebTemporalClient = ApprovalsTemporalClient;

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
    const rows = await listPendingApprovals(this.client, {
      limit: this.options.pendingLimit ?? 50,
      queryTimeoutMs: this.queryTimeoutMs,
      baseTaskQueue: this.options.baseTaskQueue,
    });
    return rows.map(({ runbookId, environment, pending, problem }) => ({
      runbookId,
      ...(environment ? { environment } : {}),
      ...(pending ? { pending } : {}),
      ...(problem ? { problem } : {}),
    }));
  }

  private environmentOf(entry: Partial<RunbookListEntry>): { environment?: string } {
    return environmentOfEntry(entry, this.options.baseTaskQueue);
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
  audit(runbookId: string, options: { ended?: boolean } = {}): Promise<ApprovalAudit | undefined> {
    return readAuditOf(this.client, runbookId, { ...options, timeoutMs: this.queryTimeoutMs });
  }

  /** The latest runbooks whose gate has closed, with their audit where it can be read. Read-only. */
  async recentDecisions(): Promise<DecidedRow[]> {
    const limit = this.options.recentLimit ?? 20;
    const query = { query: DECIDED_APPROVALS_QUERY, pageSize: limit };
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
   * Sends one decision through the approvals module, whose update id is fixed per decider, decision
   * and plan version: a double click, a retry after a timeout or the same decision from the CLI is
   * the same update, never a second decision.
   */
  async decide(runbookId: string, request: DecisionRequest): Promise<DecisionResult> {
    try {
      const ack = await sendDecision(this.client, runbookId, request, { timeoutMs: this.updateTimeoutMs });
      return { ok: true, ack };
    } catch (error) {
      if (error instanceof DecisionRefused) return { ok: false, status: 409, reason: error.reason };
      if (error instanceof RunbookNotFound || error instanceof WorkflowNotFoundError) {
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
