import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApprovalAudit, DecisionAck, DecisionRequest, PendingApproval } from '../shared/approval';
import { DEFAULT_TASK_QUEUE } from '../shared/constants';
import { DEFAULT_ENVIRONMENT, environmentOfRunbook } from '../shared/environments';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { shellQuote } from '../shared/terminal-text';
import {
  approvalAuditQuery,
  approveChangeUpdate,
  pendingApprovalQuery,
} from '../workflows/approval-messages';
import type { ApprovalsTemporalClient, RunbookListEntry } from './temporal';

export type { ApprovalsTemporalClient, RunbookListEntry } from './temporal';

/**
 * The one approvals module: what the CLI, the page and the gauges ask Temporal. Pending gates are
 * found through visibility (the search attribute the gate sets, no side database), their details
 * through the gate's query, decisions through its update under one update-id scheme, so the same
 * decision sent from the page and from the CLI is one update, never two.
 */

const STATE = SEARCH_ATTRIBUTES.approval.name;
/** The visibility query that finds every runbook waiting for approval (a terminated one keeps `pending`). */
export const PENDING_APPROVALS_QUERY = `${STATE} = 'pending' AND ExecutionStatus = 'Running'`;
/** Runbooks whose gate has closed, however it closed. */
export const DECIDED_APPROVALS_QUERY = `${STATE} IN ('approved', 'rejected', 'timed-out', 'auto-approved')`;

const QUERY_TIMEOUT_MS = 10_000;

export interface PendingApprovalRow {
  runbookId: string;
  runId: string;
  /** The runbook's workflow type: `lifecycleRunbook`, `changeRunbook` (empty when the listing has none). */
  workflowType: string;
  /** The Imply environment of a runbook outside the default one. */
  environment?: string;
  /** Absent when the runbook did not answer (no worker running, for instance): see `problem`. */
  pending?: PendingApproval;
  problem?: string;
}

/** A decision the runbook's validator refused; `reason` is the runbook's own words. */
export class DecisionRefused extends Error {
  constructor(readonly reason: string) {
    super(`the runbook refused this decision: ${reason}`);
    this.name = 'DecisionRefused';
  }
}

/** A call that did not answer in time: the worker may be down. */
export class TimedOut extends Error {
  override name = 'TimedOut';
}

/**
 * The update id of one decision, wherever it comes from (CLI, page, chat): the same decider,
 * decision and plan give the same id, so a retried, repeated or double-clicked decision is answered
 * with the first result instead of counting twice. Pure.
 */
export function decisionUpdateId(request: DecisionRequest): string {
  return `${request.decision}:plan-${request.planVersion}:${request.decider}`;
}

/** Rejects with TimedOut (`<what> took longer than N s`) when `promise` has not settled in `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a value is an approval audit (a result's `approval`, the audit query's answer). Pure. */
export function isAudit(value: unknown): value is ApprovalAudit {
  const candidate = value as Partial<ApprovalAudit> | undefined;
  return Array.isArray(candidate?.plans) && Array.isArray(candidate?.decisions);
}

/** No runbook by that id (or none running, for a decision). */
export class RunbookNotFound extends Error {
  override name = 'RunbookNotFound';
  constructor(readonly runbookId: string) {
    super(`no runbook "${runbookId}": list the ones waiting for approval with \`imply-runbooks approvals\``);
  }
}

function notFound(runbookId: string): Error {
  return new RunbookNotFound(runbookId);
}

/** The visibility query for the gates open on one task queue (all of them without one). Pure. */
export function pendingApprovalsQuery(taskQueue?: string): string {
  if (taskQueue === undefined) return PENDING_APPROVALS_QUERY;
  return `${PENDING_APPROVALS_QUERY} AND TaskQueue = '${taskQueue.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `{ environment }` for a runbook of a named environment; `{}` for the default one. Pure. */
export function environmentOfEntry(
  entry: Partial<Pick<RunbookListEntry, 'memo' | 'taskQueue'>>,
  baseTaskQueue = DEFAULT_TASK_QUEUE,
): { environment?: string } {
  const environment = environmentOfRunbook({ memo: entry.memo, taskQueue: entry.taskQueue }, baseTaskQueue);
  return environment && environment !== DEFAULT_ENVIRONMENT ? { environment } : {};
}

export interface ListPendingOptions {
  /** Only the gates on this task queue (a worker's gauges). */
  taskQueue?: string;
  /** The base task queue: a runbook on `<base>-env-<name>` belongs to environment `<name>`. */
  baseTaskQueue?: string;
  /** At most this many runbooks (the page); all of them without. */
  limit?: number;
  /** How long one runbook's query may take before its row shows the problem instead; default 10 s. */
  queryTimeoutMs?: number;
}

/** The first `limit` entries of a listing (all without a limit). */
export async function firstEntries(
  entries: AsyncIterable<RunbookListEntry>,
  limit = Infinity,
): Promise<RunbookListEntry[]> {
  const found: RunbookListEntry[] = [];
  if (limit <= 0) return found;
  for await (const entry of entries) {
    found.push(entry);
    if (found.length >= limit) break;
  }
  return found;
}

/**
 * Every runbook whose gate is open now (on `taskQueue` when given); one visibility list and a query
 * each. A gate that closed a moment ago (visibility lags) is left out; a runbook that did not answer
 * keeps its row with the problem. Reads only.
 */
export async function listPendingApprovals(
  client: ApprovalsTemporalClient,
  options: ListPendingOptions = {},
): Promise<PendingApprovalRow[]> {
  const query = pendingApprovalsQuery(options.taskQueue);
  const listing = client.workflow.list(
    options.limit === undefined ? { query } : { query, pageSize: options.limit },
  );
  const entries = await firstEntries(listing, options.limit);
  const timeoutMs = options.queryTimeoutMs ?? QUERY_TIMEOUT_MS;
  const rows = await Promise.all(
    entries.map(async (entry): Promise<PendingApprovalRow | undefined> => {
      const row = {
        runbookId: entry.workflowId,
        runId: entry.runId,
        workflowType: entry.type ?? '',
        ...environmentOfEntry(entry, options.baseTaskQueue),
      };
      try {
        const handle = client.workflow.getHandle(entry.workflowId, entry.runId);
        const pending = await withTimeout(handle.query(pendingApprovalQuery), timeoutMs, 'the query');
        return pending ? { ...row, pending } : undefined;
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        const hint = error instanceof TimedOut ? ': is a worker running on its task queue?' : '';
        return { ...row, problem: `the runbook did not answer: ${problem}${hint}` };
      }
    }),
  );
  return rows.filter((row): row is PendingApprovalRow => row !== undefined);
}

/** The open gate of one runbook; throws a clear error when the runbook does not exist or waits for nothing. Reads only. */
export async function readPendingApproval(
  client: ApprovalsTemporalClient,
  runbookId: string,
): Promise<PendingApproval> {
  let pending: PendingApproval | undefined;
  try {
    pending = await client.workflow.getHandle(runbookId).query(pendingApprovalQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notFound(runbookId);
    throw error;
  }
  if (!pending) {
    throw new Error(
      `runbook "${runbookId}" has no change waiting for approval: see its decisions with \`imply-runbooks audit ${shellQuote(runbookId)}\``,
    );
  }
  return pending;
}

/**
 * Sends one decision through the gate's update, under `decisionUpdateId`: safe to retry. Throws
 * DecisionRefused with the validator's reason, TimedOut when `timeoutMs` passes first (sending the
 * same decision again is safe), and RunbookNotFound when no such runbook runs.
 */
export async function sendDecision(
  client: ApprovalsTemporalClient,
  runbookId: string,
  request: DecisionRequest,
  options: { timeoutMs?: number } = {},
): Promise<DecisionAck> {
  const sent = client.workflow
    .getHandle(runbookId)
    .executeUpdate(approveChangeUpdate, { args: [request], updateId: decisionUpdateId(request) });
  try {
    return await (options.timeoutMs === undefined
      ? sent
      : withTimeout(sent, options.timeoutMs, 'sending the decision'));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      throw new DecisionRefused(error.cause?.message ?? error.message);
    }
    if (error instanceof WorkflowNotFoundError) throw notFound(runbookId);
    throw error;
  }
}

/** The audit an ended runbook returned in its result (no replay on a worker), if it had a gate. */
export async function auditFromResult(
  client: ApprovalsTemporalClient,
  runbookId: string,
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<ApprovalAudit | undefined> {
  const result = await withTimeout(client.workflow.getHandle(runbookId).result(), timeoutMs, 'the result')
    // Failed, cancelled or rejected runbooks have no result: their history still answers the query.
    .catch(() => undefined);
  const approval = (result as { approval?: unknown } | undefined)?.approval;
  return isAudit(approval) ? approval : undefined;
}

/**
 * Every plan and decision of one runbook: for an ended runbook the `approval` part of its result
 * first, else the audit query. Throws WorkflowNotFoundError. Reads only.
 */
export async function readAuditOf(
  client: ApprovalsTemporalClient,
  runbookId: string,
  options: { ended?: boolean; timeoutMs?: number } = {},
): Promise<ApprovalAudit | undefined> {
  const timeoutMs = options.timeoutMs ?? QUERY_TIMEOUT_MS;
  const ended = options.ended ? await auditFromResult(client, runbookId, timeoutMs) : undefined;
  if (ended) return ended;
  try {
    const handle = client.workflow.getHandle(runbookId);
    const audit = await withTimeout(handle.query(approvalAuditQuery), timeoutMs, 'the query');
    if (isAudit(audit)) return audit;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw error;
  }
  return options.ended === undefined ? auditFromResult(client, runbookId, timeoutMs) : undefined;
}

/** Every plan and decision of one runbook with its status, for `imply-runbooks audit`. Reads only. */
export async function readAudit(
  client: ApprovalsTemporalClient,
  runbookId: string,
): Promise<{ status: string; audit: ApprovalAudit | undefined }> {
  const handle = client.workflow.getHandle(runbookId);
  let status: string;
  try {
    status = (await handle.describe?.())?.status?.name ?? 'UNKNOWN';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notFound(runbookId);
    throw error;
  }
  const fromResult = status === 'COMPLETED' ? await auditFromResult(client, runbookId) : undefined;
  return { status, audit: fromResult ?? (await handle.query(approvalAuditQuery)) };
}
