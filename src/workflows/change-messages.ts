import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChangeAck, ChangeRequest, ChangeStateView, RollbackDecision } from '../shared/change';

/**
 * Every trigger sends its request through this update (with update-with-start): the first one starts
 * the change, a later one merges into the plan still waiting for approval (plan version + 1) or is
 * queued behind a change past approval. A refused request fails the update with the rule it broke.
 */
export const mergeChangeUpdate = defineUpdate<ChangeAck, [ChangeRequest]>('mergeChange');

/** A person's answer to a rollback that failed: `retry` it, or `abandon` and leave the cluster as it is. */
export const rollbackDecisionSignal = defineSignal<[RollbackDecision]>('rollbackDecision');

/** Where the change is: its phase, the requests in its plan, those queued, a rollback problem. */
export const changeStateQuery = defineQuery<ChangeStateView>('changeState');

/**
 * Who is about to cancel the runbook (`imply-runbooks cancel --as`, sent just before the cancel):
 * Temporal's cancel request does not reach workflow code with a name, and the rollback's reason should.
 */
export const cancelledBySignal = defineSignal<[{ by: string }]>('cancelledBy');
