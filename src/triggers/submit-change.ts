import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CloudManagerClient } from '../cloud-manager/client';
import { CloudManagerError } from '../cloud-manager/errors';
import { tagsOf, type Cluster } from '../cloud-manager/schemas/cluster';
import { changeInputFor, type Config } from '../config';
import {
  CHANGE_REFUSED,
  changeStartOptions,
  type ChangeAck,
  type ChangeInput,
  type ChangePolicy,
  type ChangeRequest,
  type RefusalDetails,
} from '../shared/change';
import {
  protectedProblem,
  requestedBoundsProblems,
  requestProblem,
  type Refusal,
} from '../shared/change-policy';
import { DEFAULT_ENVIRONMENT, withEnvironmentMemo } from '../shared/environments';
import { changeWorkflowId } from '../shared/runbook-ids';
import type { WaitOptions } from '../shared/runbook';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { mergeChangeUpdate } from '../workflows/change-messages';

/**
 * How every trigger (CLI, HTTP, Alertmanager) reaches the change runbook of a cluster: find the
 * cluster by uid or name, resolve its policies from the configuration, refuse early what the policy
 * refuses anyway, then update-with-start on `change:<uid>`. Refusals carry an HTTP status.
 */

export interface TriggerDependencies {
  api: CloudManagerClient;
  client: Client;
  taskQueue: string;
  config: Config;
  /** The Imply environment `api` and `taskQueue` belong to; recorded in the runbook's memo. */
  environment?: string;
  /** How long to wait for the runbook's answer (no worker: none comes); default 30 s. */
  answerTimeoutMs?: number;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;

/** A trigger the runbook will not act on: the status to answer, the rule, and when to retry. */
export class TriggerRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly rule?: RefusalDetails['rule'] | 'not-found' | 'busy' | 'no-answer',
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TriggerRefused';
  }
}

const STATUS_BY_RULE: Record<string, number> = {
  request: 400,
  bounds: 422,
  'instance-type': 422,
  protected: 422,
  api: 422,
  cooldown: 429,
  runbook: 409,
};

function refused(refusal: Refusal): TriggerRefused {
  return new TriggerRefused(
    STATUS_BY_RULE[refusal.rule] ?? 422,
    refusal.message,
    refusal.rule,
    refusal.retryAfterMs,
  );
}

/** The cluster with this uid, else the live one with this name; 404-style refusal when neither. Read-only. */
export async function findCluster(api: CloudManagerClient, idOrName: string): Promise<Cluster> {
  try {
    return await api.getCluster(idOrName);
  } catch (error) {
    if (!(error instanceof CloudManagerError && (error.status === 404 || error.status === 400))) throw error;
  }
  const byName = await api.findClusterByName(idOrName);
  if (byName) return byName;
  throw new TriggerRefused(
    404,
    `no cluster has the uid or name "${idOrName}": run \`imply-runbooks clusters list\` to see them`,
    'not-found',
  );
}

/** What the policy refuses before anything starts (the runbook checks again, with the cluster as it is then). Pure. */
export function precheck(
  policy: ChangePolicy,
  request: ChangeRequest,
  cluster: Cluster,
): Refusal | undefined {
  const problem = requestProblem(request);
  if (problem) return { rule: 'request', message: problem };
  if (request.kind === 'delete') {
    const tags = tagsOf(cluster);
    return protectedProblem(policy, tags);
  }
  return requestedBoundsProblems(policy, request.changes ?? [])[0];
}

/**
 * Sends the request to the cluster's change runbook, starting it when none runs. Not idempotent: a
 * repeat of a scale merges into the same plan (no new version); a repeat of a change past approval is
 * queued again. Throws TriggerRefused with the reason for anything the runbook will not do.
 */
export async function submitChange(
  dependencies: TriggerDependencies,
  idOrName: string,
  request: ChangeRequest,
  wait?: WaitOptions,
): Promise<{ ack: ChangeAck; input: ChangeInput }> {
  const cluster = await findCluster(dependencies.api, idOrName);
  const input = changeInputFor(dependencies.config, cluster, wait);
  const early = precheck(input.policy, request, cluster);
  if (early) throw refused(early);
  // The memo names who started it (a later request merges in): the operations page's runbooks view shows it.
  const options = withEnvironmentMemo(
    { ...changeStartOptions(input, dependencies.taskQueue), memo: { requester: request.requester } },
    dependencies.environment ?? DEFAULT_ENVIRONMENT,
  );
  // By name, not by type: activities start changes too (drift checks), and the workflow's type would
  // import the activities back.
  const startWorkflowOperation = new WithStartWorkflowOperation('changeRunbook', options);
  const timeoutMs = dependencies.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const ack = await dependencies.client.withAbortSignal(signal, () =>
      dependencies.client.workflow.executeUpdateWithStart(mergeChangeUpdate, {
        args: [request],
        startWorkflowOperation,
      }),
    );
    return { ack, input };
  } catch (error) {
    if (signal.aborted) throw noAnswer(options.workflowId, dependencies.taskQueue, timeoutMs);
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    const cause = error.cause;
    if (cause instanceof ApplicationFailure && cause.type === CHANGE_REFUSED) {
      const details = (cause.details?.[0] ?? {}) as RefusalDetails;
      throw refused({
        rule: details.rule ?? 'runbook',
        message: cause.message,
        retryAfterMs: details.retryAfterMs,
      });
    }
    // Another kind of runbook (a stop or start) holds `change:<uid>`: it has no such update.
    throw new TriggerRefused(409, await describeHolder(dependencies.client, input.clusterId), 'busy');
  }
}

function noAnswer(workflowId: string, taskQueue: string, timeoutMs: number): TriggerRefused {
  return new TriggerRefused(
    504,
    `${workflowId} did not answer within ${Math.round(timeoutMs / 1000)} s: is a worker running on task queue ` +
      `"${taskQueue}"? The request may still be taken once one runs: follow it with imply-runbooks status ${workflowId}`,
    'no-answer',
  );
}

async function describeHolder(client: Client, clusterId: string): Promise<string> {
  const workflowId = changeWorkflowId(clusterId);
  let kind = 'another';
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    kind = description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) ?? kind;
  } catch {
    // It may have ended since: the message still names it.
  }
  return (
    `busy: ${workflowId} (a ${kind} runbook) is running on this cluster; one change per cluster at a time: ` +
    `try again when it ends (imply-runbooks status ${workflowId})`
  );
}
