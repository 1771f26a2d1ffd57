import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes, WorkflowNotFoundError } from '@temporalio/common';
import {
  isStageApprover,
  type ApprovalAudit,
  type DecisionAck,
  type DecisionRequest,
  type PendingApproval,
} from '../../src/shared/approval';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import {
  DECIDED_APPROVALS_QUERY,
  PENDING_APPROVALS_QUERY,
  type ApprovalsTemporalClient as WebTemporalClient,
  type RunbookListEntry,
} from '../../src/approvals';

/**
 * A fake of the few Temporal client calls the page makes: visibility lists, the two queries and the
 * update, over runbooks held in memory. Its validator applies the gate's rules in miniature.
 */

export interface FakeRunbook {
  clusterName: string;
  state: 'pending' | 'approved' | 'rejected' | 'timed-out' | 'auto-approved';
  running: boolean;
  pending?: PendingApproval;
  audit: ApprovalAudit;
}

export interface SentUpdate {
  runbookId: string;
  request: DecisionRequest;
  updateId?: string;
}

export class FakeTemporal implements WebTemporalClient {
  readonly runbooks = new Map<string, FakeRunbook>();
  readonly updates: SentUpdate[] = [];
  /** Set to make every call fail as an unreachable server would. */
  unreachable = false;
  /** Set to make updates hang, as with no worker polling. */
  noWorker = false;

  readonly workflow: WebTemporalClient['workflow'] = {
    list: (options) => this.list(options.query),
    getHandle: (workflowId) => ({
      query: async <Ret>(definition: { name: string }) => this.query(workflowId, definition.name) as Ret,
      executeUpdate: async <Ret>(
        _definition: unknown,
        options: { args: [DecisionRequest]; updateId?: string },
      ) => this.update(workflowId, options.args[0], options.updateId) as Ret,
      result: async () => this.result(workflowId),
    }),
  };

  private async *list(query: string): AsyncIterable<RunbookListEntry> {
    if (this.unreachable) throw new Error('14 UNAVAILABLE: connection refused');
    for (const [workflowId, runbook] of this.runbooks) {
      const pendingMatch =
        query === PENDING_APPROVALS_QUERY && runbook.state === 'pending' && runbook.running;
      const decidedMatch = query === DECIDED_APPROVALS_QUERY && runbook.state !== 'pending';
      if (!pendingMatch && !decidedMatch) continue;
      yield {
        workflowId,
        runId: `run-${workflowId}`,
        status: { code: runbook.running ? 1 : 2, name: runbook.running ? 'RUNNING' : 'COMPLETED' },
        startTime: new Date('2030-01-01T00:00:00Z'),
        closeTime: runbook.running ? undefined : new Date('2030-01-01T01:00:00Z'),
        typedSearchAttributes: new TypedSearchAttributes([
          { key: SEARCH_ATTRIBUTES.approval, value: runbook.state },
          { key: SEARCH_ATTRIBUTES.clusterName, value: runbook.clusterName },
        ]),
      };
    }
  }

  private runbook(workflowId: string): FakeRunbook {
    if (this.unreachable) throw new Error('14 UNAVAILABLE: connection refused');
    const runbook = this.runbooks.get(workflowId);
    if (!runbook) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
    return runbook;
  }

  /** An ended runbook's result carries its audit, as the lifecycle runbook's does. */
  private result(workflowId: string): unknown {
    const runbook = this.runbook(workflowId);
    if (runbook.running) throw new Error('the fake cannot wait for a running runbook to end');
    return { outcome: runbook.state === 'rejected' ? 'rejected' : 'completed', approval: runbook.audit };
  }

  private query(workflowId: string, name: string): unknown {
    const runbook = this.runbook(workflowId);
    if (name === 'pendingApproval') return runbook.pending;
    if (name === 'approvalAudit') return runbook.audit;
    throw new Error(`the fake knows no query ${name}`);
  }

  private async update(
    workflowId: string,
    request: DecisionRequest,
    updateId?: string,
  ): Promise<DecisionAck> {
    if (this.noWorker) return new Promise<never>(() => {});
    const runbook = this.runbook(workflowId);
    const refusal = refusalOf(runbook, request);
    if (refusal) {
      throw new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(refusal));
    }
    this.updates.push({ runbookId: workflowId, request, updateId });
    const pending = runbook.pending!;
    runbook.audit.decisions.push({
      ...request,
      at: new Date().toISOString(),
      via: 'update',
      outcome: 'counted',
    });
    if (request.decision === 'reject') return this.close(runbook, 'rejected');
    pending.approvals.push(request.decider);
    if (pending.approvals.length >= pending.required) return this.close(runbook, 'approved');
    return {
      accepted: true,
      state: 'pending',
      approvals: pending.approvals.length,
      required: pending.required,
    };
  }

  private close(runbook: FakeRunbook, state: 'approved' | 'rejected'): DecisionAck {
    const pending = runbook.pending!;
    runbook.state = state;
    runbook.pending = undefined;
    runbook.audit.outcome = state;
    return { accepted: true, state, approvals: pending.approvals.length, required: pending.required };
  }
}

function refusalOf(runbook: FakeRunbook, request: DecisionRequest): string | undefined {
  const pending = runbook.pending;
  if (!pending) return 'the gate is closed: nothing waits for a decision';
  if (!isStageApprover(pending, request.decider, request.groups))
    return `${request.decider} is not an approver of this change`;
  if (pending.plan.requester === request.decider)
    return `${request.decider} asked for this change and cannot approve it (four eyes)`;
  if (pending.approvals.includes(request.decider)) return `${request.decider} has already decided`;
  if (pending.plan.version !== request.planVersion)
    return `plan v${request.planVersion} is superseded by v${pending.plan.version}`;
  return undefined;
}

/** A runbook waiting at its gate: scale data.tier1 1 → 2, asked by carol, alice and bob approve. */
export function pendingRunbook(overrides: Partial<PendingApproval['plan']> = {}, required = 1): FakeRunbook {
  const plan = {
    version: 1,
    clusterId: 'c-1234',
    clusterName: 'clusters-example',
    resourceVersion: 3,
    changes: [{ path: 'spec.data.tier1.replicas', kind: 'changed' as const, before: 1, after: 2 }],
    diffLines: ['spec.data.tier1.replicas: 1 → 2'],
    requester: 'carol',
    reason: 'more query capacity',
    createdAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
  return {
    clusterName: plan.clusterName,
    state: 'pending',
    running: true,
    pending: {
      plan,
      policy: 'default',
      stage: 'primary',
      groups: ['ops'],
      approvers: ['alice', 'bob'],
      required,
      approvals: [],
      deadline: '2030-01-02T00:00:00.000Z',
    },
    audit: { policy: 'default', plans: [plan], decisions: [] },
  };
}
