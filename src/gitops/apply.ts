import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { CloudManagerClient } from '../cloud-manager/client';
import type { Config } from '../config';
import { PROTECTION_TAG, type ChangeRequest } from '../shared/change';
import { DEFAULT_ENVIRONMENT, environmentTaskQueue } from '../shared/environments';
import { lifecycleStartOptions, type LifecycleInput, type WaitOptions } from '../shared/runbook';
import { submitChange, TriggerRefused } from '../triggers/submit-change';
import type { PlanEntry } from './plan';
import { MANAGED_BY_TAG, type DesiredCluster, type SpecFolder } from './spec-folder';

/**
 * Applies a plan through the one change pipeline: a create is a lifecycle runbook (create, wait
 * until RUNNING, keep), a change is the cluster's change runbook (plan, policy, approval, PUT,
 * verify, roll back), a delete is the delete change. Idempotent in effect: a lifecycle already running
 * for the name is joined, a change already waiting merges into its plan, and once they have ended the
 * next plan has nothing to do.
 */

export interface ApplyDependencies {
  client: Client;
  config: Config;
  /** The base task queue; an environment's is `<base>-env-<name>`. */
  taskQueue: string;
  /** The Cloud Manager client of each environment (undefined: the default). */
  apiOf: (environment: string | undefined) => CloudManagerClient;
  wait?: WaitOptions;
}

export interface ApplyContext {
  requester: string;
  /** Shown to approvers and kept in the audit: the commit and author when the folder is in Git. */
  reason: string;
}

export interface AppliedEntry {
  name: string;
  action: PlanEntry['action'];
  /** The runbook doing it (to follow, or to approve). */
  runbookId?: string;
  /** `started`, `joined` (already running), `merged`/`queued` (a change runbook's answer), `refused`. */
  outcome: 'started' | 'joined' | 'merged' | 'queued' | 'superseded' | 'refused';
  message: string;
  needsApproval?: boolean;
}

/** The request a create sends: the file's, tagged as managed by this folder (and protected when asked). Pure. */
export function createRequest(desired: DesiredCluster, owner: string): DesiredCluster['request'] {
  const tags = (desired.request.spec.awsTags ?? []).filter(
    (tag) => tag.name !== MANAGED_BY_TAG && !(desired.options.protected && tag.name === PROTECTION_TAG.name),
  );
  tags.push({ name: MANAGED_BY_TAG, value: owner });
  if (desired.options.protected) tags.push({ ...PROTECTION_TAG });
  return { ...desired.request, spec: { ...desired.request.spec, awsTags: tags } };
}

async function applyCreate(
  dependencies: ApplyDependencies,
  folder: SpecFolder,
  entry: PlanEntry,
  context: ApplyContext,
): Promise<AppliedEntry> {
  const desired = folder.clusters.find((cluster) => cluster.name === entry.name) as DesiredCluster;
  const environment = entry.environment ?? DEFAULT_ENVIRONMENT;
  const input: LifecycleInput = {
    cluster: createRequest(desired, folder.owner),
    scale: [],
    requester: context.requester,
    reason: context.reason,
    ...(dependencies.wait ? { wait: dependencies.wait } : {}),
  };
  const options = lifecycleStartOptions(
    input,
    environmentTaskQueue(dependencies.taskQueue, environment),
    environment,
  );
  try {
    // By name: a drift check's activity applies too, and the workflow's type would import the activities back.
    await dependencies.client.workflow.start('lifecycleRunbook', options);
    return {
      name: entry.name,
      action: 'create',
      runbookId: options.workflowId,
      outcome: 'started',
      message: 'creating',
    };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return {
      name: entry.name,
      action: 'create',
      runbookId: options.workflowId,
      outcome: 'joined',
      message: 'already being created by this runbook: joined it',
    };
  }
}

async function applyRequest(
  dependencies: ApplyDependencies,
  entry: PlanEntry,
  request: ChangeRequest,
): Promise<AppliedEntry> {
  const environment = entry.environment ?? DEFAULT_ENVIRONMENT;
  try {
    const { ack } = await submitChange(
      {
        api: dependencies.apiOf(entry.environment),
        client: dependencies.client,
        taskQueue: environmentTaskQueue(dependencies.taskQueue, environment),
        config: dependencies.config,
        environment,
      },
      entry.clusterId ?? entry.name,
      request,
      dependencies.wait,
    );
    return {
      name: entry.name,
      action: entry.action,
      runbookId: ack.runbookId,
      outcome: ack.disposition,
      message: ack.message,
      ...(ack.needsApproval ? { needsApproval: true } : {}),
    };
  } catch (error) {
    if (!(error instanceof TriggerRefused)) throw error;
    return { name: entry.name, action: entry.action, outcome: 'refused', message: error.message };
  }
}

/** Applies every entry that does something; returns what each did, in plan order. */
export async function applyPlan(
  dependencies: ApplyDependencies,
  folder: SpecFolder,
  entries: readonly PlanEntry[],
  context: ApplyContext,
): Promise<AppliedEntry[]> {
  const applied: AppliedEntry[] = [];
  const base = { requester: context.requester, reason: context.reason, source: 'gitops' };
  for (const entry of entries) {
    if (entry.action === 'create') applied.push(await applyCreate(dependencies, folder, entry, context));
    if (entry.action === 'change') {
      for (const request of entry.requests ?? []) {
        applied.push(await applyRequest(dependencies, entry, { ...base, ...request }));
      }
    }
    if (entry.action === 'delete')
      applied.push(await applyRequest(dependencies, entry, { ...base, kind: 'delete' }));
  }
  return applied;
}
