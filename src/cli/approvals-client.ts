import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ApprovalAudit, DecisionAck, DecisionRequest, PendingApproval } from '../shared/approval';
import { DEFAULT_TASK_QUEUE } from '../shared/constants';
import { DEFAULT_ENVIRONMENT, environmentOfRunbook } from '../shared/environments';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { checkedUserName } from './lifecycle-input';
import {
  approvalAuditQuery,
  approveChangeUpdate,
  pendingApprovalQuery,
} from '../workflows/approval-messages';
import { shellQuote } from '../shared/terminal-text';

/**
 * What the approvals commands ask Temporal: pending gates through visibility (the search attribute
 * the gate sets, no side database), their details through the gate's query, decisions through its update.
 */

/** The visibility query that finds every runbook waiting for approval (a terminated one keeps `pending`). */
export const PENDING_APPROVALS_QUERY = `${SEARCH_ATTRIBUTES.approval.name} = 'pending' AND ExecutionStatus = 'Running'`;

const QUERY_TIMEOUT_MS = 10_000;

export interface PendingApprovalRow {
  runbookId: string;
  runId: string;
  /** The runbook's workflow type: `lifecycleRunbook`, `changeRunbook`. */
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

/** Who decides: `--as`, else IMPLY_RUNBOOKS_USER; never the OS user, so nobody decides by accident. Pure. */
export function deciderIdentity(as: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (as?.trim()) return checkedUserName(as.trim(), '--as');
  const identity = env.IMPLY_RUNBOOKS_USER?.trim();
  if (identity) return checkedUserName(identity, 'IMPLY_RUNBOOKS_USER');
  throw new Error(
    'who is deciding? Pass --as <user> or set IMPLY_RUNBOOKS_USER (the OS user name is not used for decisions)',
  );
}

/**
 * The update id of one decision: the same decider, decision and plan give the same id, so a retried
 * or repeated command is answered with the first result instead of counting twice. Pure.
 */
export function decisionUpdateId(request: DecisionRequest): string {
  return `${request.decision}:plan-${request.planVersion}:${request.decider}`;
}

function notFound(runbookId: string): Error {
  return new Error(
    `no runbook "${runbookId}": list the ones waiting for approval with \`imply-runbooks approvals\``,
  );
}

/** The visibility query for the gates open on one task queue (all of them without one). Pure. */
export function pendingApprovalsQuery(taskQueue?: string): string {
  if (taskQueue === undefined) return PENDING_APPROVALS_QUERY;
  return `${PENDING_APPROVALS_QUERY} AND TaskQueue = '${taskQueue.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Every runbook whose gate is open now (on `taskQueue` when given); one visibility list and a query
 * each. Reads only.
 */
export async function listPendingApprovals(
  client: Client,
  options: { taskQueue?: string; baseTaskQueue?: string } = {},
): Promise<PendingApprovalRow[]> {
  const executions: Array<{ workflowId: string; runId: string; workflowType: string; environment?: string }> =
    [];
  for await (const execution of client.workflow.list({ query: pendingApprovalsQuery(options.taskQueue) })) {
    const environment = environmentOfRunbook(execution, options.baseTaskQueue ?? DEFAULT_TASK_QUEUE);
    executions.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      workflowType: execution.type,
      ...(environment && environment !== DEFAULT_ENVIRONMENT ? { environment } : {}),
    });
  }
  const rows = await Promise.all(
    executions.map(
      async ({ workflowId, runId, workflowType, environment }): Promise<PendingApprovalRow | undefined> => {
        const row = { runbookId: workflowId, runId, workflowType, ...(environment ? { environment } : {}) };
        try {
          const pending = await withTimeout(
            client.workflow.getHandle(workflowId, runId).query(pendingApprovalQuery),
            QUERY_TIMEOUT_MS,
          );
          // Visibility lags a little: a gate that closed a moment ago answers undefined.
          return pending ? { ...row, pending } : undefined;
        } catch (error) {
          const problem = error instanceof Error ? error.message : String(error);
          return { ...row, problem: `the runbook did not answer: ${problem}` };
        }
      },
    ),
  );
  return rows.filter((row): row is PendingApprovalRow => row !== undefined);
}

/** A query waits for a worker to answer: with none running, say so instead of hanging. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${ms / 1000} s: is a worker running on its task queue?`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The open gate of one runbook; throws a clear error when the runbook does not exist or waits for nothing. Reads only. */
export async function readPendingApproval(client: Client, runbookId: string): Promise<PendingApproval> {
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
 * Sends one decision through the gate's update. Safe to retry: the update id is derived from the
 * decision (see decisionUpdateId). Throws DecisionRefused with the validator's reason.
 */
export async function sendDecision(
  client: Client,
  runbookId: string,
  request: DecisionRequest,
): Promise<DecisionAck> {
  try {
    return await client.workflow
      .getHandle(runbookId)
      .executeUpdate(approveChangeUpdate, { args: [request], updateId: decisionUpdateId(request) });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      throw new DecisionRefused(error.cause?.message ?? error.message);
    }
    if (error instanceof WorkflowNotFoundError) throw notFound(runbookId);
    throw error;
  }
}

function isAudit(value: unknown): value is ApprovalAudit {
  const candidate = value as Partial<ApprovalAudit> | undefined;
  return Array.isArray(candidate?.plans) && Array.isArray(candidate?.decisions);
}

/** The audit a completed runbook returned in its result, if it had a gate. */
async function auditFromResult(handle: WorkflowHandle): Promise<ApprovalAudit | undefined> {
  try {
    const result = (await handle.result()) as { approval?: unknown } | undefined;
    return isAudit(result?.approval) ? result.approval : undefined;
  } catch {
    // Failed, cancelled or rejected runbooks have no result: their history still answers the query.
    return undefined;
  }
}

/** Every plan and decision of one runbook: from its result once it has completed, else its query. Reads only. */
export async function readAudit(
  client: Client,
  runbookId: string,
): Promise<{ status: string; audit: ApprovalAudit | undefined }> {
  const handle = client.workflow.getHandle(runbookId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notFound(runbookId);
    throw error;
  }
  const fromResult = status === 'COMPLETED' ? await auditFromResult(handle) : undefined;
  return { status, audit: fromResult ?? (await handle.query(approvalAuditQuery)) };
}
