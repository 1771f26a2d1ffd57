import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import {
  CHANGE_REFUSED,
  type ChangeAck,
  type ChangeInput,
  type ChangeRequest,
  type ChangeStateView,
  type RollbackDecision,
} from '../shared/change';
import {
  describeRequest,
  mergeRequests,
  requestedBoundsProblems,
  requestProblem,
  sameChange,
  type Refusal,
} from '../shared/change-policy';
import { cloneJson } from '../shared/spec-changes';
import {
  cancelledBySignal,
  changeStateQuery,
  mergeChangeUpdate,
  rollbackDecisionSignal,
} from './change-messages';
import type { RunbookTracker } from './progress';

type Verdict = { refusal?: Refusal; message: string; needsApproval: boolean };
/** A verdict with the request that plan version was made of: what each waiting trigger is told against. */
type Settled = Verdict & { planned: ChangeRequest };

/**
 * The state of one change runbook beside it: the request being planned (requests merged into it),
 * those queued behind it, the verdict of each plan version for the triggers waiting on it, and the
 * person's answer to a failed rollback. The update handler and the pipeline meet here.
 */
export class ChangeState {
  phase: ChangeStateView['phase'] = 'waiting';
  current?: ChangeRequest;
  /** Every request folded into `current`, in order. */
  requests: ChangeRequest[] = [];
  queued: ChangeRequest[];
  /** The plan version being made or shown; 0 before the first. */
  planVersion = 0;
  replanRequested = false;
  /** When this run sent its change (for the next run's cooldown). */
  lastApplied?: { appliedAt: string; runbookId: string };
  rollbackProblem?: string;
  readonly rollbackDecisions: RollbackDecision[] = [];
  /** Who said they cancel the runbook (`cancelledBy`), and the step it was at when the cancel came. */
  cancelledBy?: string;
  cancelledDuring?: string;
  private accepted?: { current: ChangeRequest; requests: ChangeRequest[] };
  /** What the plan being made was made of: recorded as accepted only if that plan passes. */
  private planning?: { current: ChangeRequest; requests: ChangeRequest[] };
  private readonly verdicts = new Map<number, Settled>();
  private ended?: string;
  private onReplan?: () => void;
  private decision?: RollbackDecision;

  constructor(
    private readonly runbookId: string,
    private readonly input: ChangeInput,
  ) {
    this.queued = cloneJson([...(input.request ? [input.request] : []), ...(input.queued ?? [])]);
  }

  /** Registers the update, the signal and the query; call at workflow start, before any await. */
  install(): void {
    setHandler(mergeChangeUpdate, (request) => this.submit(request), {
      validator: (request) => this.validate(request),
    });
    setHandler(rollbackDecisionSignal, (decision) => this.acceptDecision(decision));
    setHandler(cancelledBySignal, (note) => {
      if (typeof note?.by === 'string' && note.by.trim() !== '') this.cancelledBy = note.by.trim();
    });
    setHandler(changeStateQuery, () => this.view());
  }

  /** The first request: carried over from the input, else the first update's; undefined after `timeoutMs`. */
  async first(timeoutMs: number): Promise<ChangeRequest | undefined> {
    const carried = this.queued.shift();
    if (carried) this.begin(carried);
    await condition(() => this.current !== undefined, timeoutMs);
    return this.current;
  }

  /** Starts plan version + 1 of the current request; returns the version and the request it plans. */
  startPlan(): { version: number; request: ChangeRequest } {
    this.replanRequested = false;
    this.phase = 'planning';
    this.planning = cloneJson({ current: this.current as ChangeRequest, requests: this.requests });
    return { version: ++this.planVersion, request: cloneJson(this.current as ChangeRequest) };
  }

  /**
   * Records a plan version's verdict, answering the triggers that wait on it. Only the request that
   * was planned counts as accepted: a merge that came in while planning is not, until its own plan passes.
   */
  settle(version: number, verdict: Verdict): void {
    const planned = this.planning?.current ?? (this.current as ChangeRequest);
    this.verdicts.set(version, { ...verdict, planned: cloneJson(planned) });
    if (!verdict.refusal && this.planning) this.accepted = cloneJson(this.planning);
  }

  /**
   * After a refused plan: back to the last accepted request, with the requests that came in after the
   * refused plan began merged in again (their own plan judges them). The refused plan's new requests
   * are dropped: their callers were told why. False when nothing was ever accepted.
   */
  revert(): boolean {
    if (!this.accepted) return false;
    const later = this.requests.slice(this.planning?.requests.length ?? this.requests.length);
    this.current = cloneJson(this.accepted.current);
    this.requests = cloneJson(this.accepted.requests);
    for (const request of later) {
      const merged = mergeRequests(this.current, request);
      if (!merged) continue;
      this.current = merged;
      this.requests.push(cloneJson(request));
    }
    this.replanRequested = true;
    return true;
  }

  /** While the gate is open, a merge cancels the wait through this (the gate's cancellation scope). */
  whileApproving(onReplan: (() => void) | undefined): void {
    this.onReplan = onReplan;
  }

  /** No more starts or merges in this run: waiting triggers are answered; later ones are queued. */
  end(reason: string): void {
    this.ended = reason;
    this.phase = 'done';
  }

  /** `cancelled by <who> during <step>`: the reason a cancel gives the rollback it causes. */
  cancelReason(step: string | undefined): string {
    const by = this.cancelledBy ? ` by ${this.cancelledBy}` : '';
    return `cancelled${by} during ${this.cancelledDuring ?? step ?? 'the change'}`;
  }

  /** Waits for `rollbackDecision`, calling `remind` each `reminderMs` without one. */
  async waitForPerson(problem: string, reminderMs: number, remind: () => void): Promise<RollbackDecision> {
    this.phase = 'needs-person';
    this.rollbackProblem = problem;
    while (!(await condition(() => this.decision !== undefined, reminderMs))) remind();
    const decision = this.decision as RollbackDecision;
    this.decision = undefined;
    this.rollbackProblem = undefined;
    this.phase = 'rollback';
    this.rollbackDecisions.push(decision);
    return decision;
  }

  view(): ChangeStateView {
    return cloneJson({
      phase: this.phase,
      ...(this.current ? { current: this.requests } : {}),
      planVersion: this.planVersion,
      queued: this.queued,
      ...(this.rollbackProblem ? { rollbackProblem: this.rollbackProblem } : {}),
    });
  }

  private begin(request: ChangeRequest): void {
    this.current = cloneJson(request);
    this.requests = [cloneJson(request)];
  }

  /** Synchronous, so a refused request leaves nothing in history. */
  private validate(request: ChangeRequest): void {
    const problem = requestProblem(request);
    const refusal: Refusal | undefined = problem
      ? { rule: 'request', message: problem }
      : requestedBoundsProblems(this.input.policy, request.changes ?? [])[0];
    if (refusal) throw refuse(refusal);
  }

  private async submit(request: ChangeRequest): Promise<ChangeAck> {
    const incoming = cloneJson(request);
    if (!this.current && !this.ended) {
      this.begin(incoming);
      return this.ackAfterVerdict(this.planVersion + 1, 'started', incoming);
    }
    const mergeable = !this.ended && ['waiting', 'planning', 'approval'].includes(this.phase);
    const merged = mergeable && this.current ? mergeRequests(this.current, incoming) : undefined;
    if (merged && sameChange(this.current!, incoming)) {
      // The plan being made or shown holds it already, unless a merge asked for a new one: answered
      // once that plan is settled, so a later request for the same field is reported as overtaking it.
      const version =
        this.replanRequested || this.planVersion === 0 ? this.planVersion + 1 : this.planVersion;
      return this.ackAfterVerdict(
        version,
        'merged',
        incoming,
        `the pending plan already holds ${describeRequest(incoming)}`,
      );
    }
    if (merged) {
      this.current = merged;
      this.requests.push(incoming);
      this.replanRequested = true;
      this.onReplan?.();
      return this.ackAfterVerdict(this.planVersion + 1, 'merged', incoming);
    }
    this.queued.push(incoming);
    const ahead = this.current ? describeRequest(this.current) : 'the change that is ending';
    return this.ack(
      'queued',
      `queued (position ${this.queued.length}) behind ${ahead}, which is past approval: it runs when that one ends`,
    );
  }

  private async ackAfterVerdict(
    version: number,
    disposition: ChangeAck['disposition'],
    incoming: ChangeRequest,
    message?: string,
  ): Promise<ChangeAck> {
    await condition(() => this.verdicts.has(version) || this.ended !== undefined);
    const verdict = this.verdicts.get(version);
    if (!verdict)
      throw refuse({ rule: 'runbook', message: `the runbook ended before planning it: ${this.ended}` });
    if (verdict.refusal) throw refuse(verdict.refusal);
    const overtaken = supersededBy(incoming, verdict.planned);
    if (overtaken) return this.ack('superseded', overtaken, version);
    return {
      ...this.ack(disposition, message ?? verdict.message, version),
      needsApproval: verdict.needsApproval,
    };
  }

  private ack(disposition: ChangeAck['disposition'], message: string, planVersion?: number): ChangeAck {
    return { runbookId: this.runbookId, disposition, ...(planVersion ? { planVersion } : {}), message };
  }

  private acceptDecision(decision: RollbackDecision): void {
    const valid =
      (decision?.decision === 'retry' || decision?.decision === 'abandon') &&
      typeof decision.decider === 'string' &&
      decision.decider.trim() !== '';
    // A signal cannot be refused: one that breaks the rules, or comes when nobody asked, is ignored.
    if (valid && this.phase === 'needs-person') this.decision = cloneJson(decision);
  }
}

/**
 * What overtook a request in the plan that was made: a later value for one of its fields, named with
 * who asked for it; undefined when the plan holds every value the request asked for. Pure.
 */
function supersededBy(request: ChangeRequest, planned: ChangeRequest): string | undefined {
  for (const change of request.changes ?? []) {
    const kept = planned.changes?.find((candidate) => candidate.path === change.path);
    if (kept && JSON.stringify(kept.value) !== JSON.stringify(change.value)) {
      return (
        `superseded: ${change.path}=${JSON.stringify(change.value)} was replaced by ` +
        `${JSON.stringify(kept.value)} from a later request before it was planned; nothing of yours is in the plan for that field`
      );
    }
  }
  return undefined;
}

function refuse(refusal: Refusal): ApplicationFailure {
  const { message, ...details } = refusal;
  return ApplicationFailure.create({ type: CHANGE_REFUSED, message, nonRetryable: true, details: [details] });
}

/** What the steps of one change run share: its input, its state, its progress and its id. */
export interface ChangeContext {
  input: ChangeInput;
  state: ChangeState;
  tracker: RunbookTracker;
  runbookId: string;
}
