import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { environmentTaskQueue, withEnvironmentMemo } from '../shared/environments';
import { keepAliveStartOptions, powerStartOptions, type KeepAlive, type PowerInput } from '../shared/power';
import type { keepAliveRunbook } from '../workflows/keep-alive';
import type { powerRunbook } from '../workflows/power';

/**
 * Starting the runbooks a person asks for on one cluster: a keep-alive override and a stop or start.
 * The CLI and the operations page both start them here, so both record who asked the same way.
 */

/** Where a runbook runs: the environment's task queue, derived from the base one. */
export interface StartPlace {
  environment: string;
  baseTaskQueue: string;
}

/** The start was refused because a runbook with the same id runs: the cluster is busy or kept alive. */
export class AlreadyRunning extends Error {
  constructor(
    readonly runbookId: string,
    message: string,
  ) {
    super(message);
    this.name = 'AlreadyRunning';
  }
}

/** Starts `keepalive:<uid>` with the override (who set it, why, until when) in its memo. Refuses a second. */
export async function startKeepAlive(
  client: Client,
  override: KeepAlive,
  place: StartPlace,
): Promise<string> {
  const options = withEnvironmentMemo(
    keepAliveStartOptions(override, environmentTaskQueue(place.baseTaskQueue, place.environment)),
    place.environment,
  );
  try {
    await client.workflow.start<typeof keepAliveRunbook>('keepAliveRunbook', options);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new AlreadyRunning(options.workflowId, `${override.clusterName} already has a keep-alive`);
    }
    throw error;
  }
  return options.workflowId;
}

/** Starts the power runbook `change:<uid>` (stop or start); refuses while any change of the cluster runs. */
export async function startPowerRunbook(
  client: Client,
  input: PowerInput,
  clusterName: string,
  place: StartPlace,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof powerRunbook>> {
  const start = powerStartOptions(
    input,
    environmentTaskQueue(place.baseTaskQueue, place.environment),
    clusterName,
  );
  // Who asked, where the runbooks view reads it (visibility does not show a workflow's input).
  const options = withEnvironmentMemo({ ...start, memo: { requester: input.requester } }, place.environment);
  try {
    return await client.workflow.start<typeof powerRunbook>('powerRunbook', options);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new AlreadyRunning(
        options.workflowId,
        `cannot ${input.action} ${clusterName}: ${options.workflowId} is running`,
      );
    }
    throw error;
  }
}

/** Where the Temporal UI shows a runbook: TEMPORAL_UI_URL, or the dev server's UI beside a local address. Pure. */
export function runbookUiLink(
  settings: { address: string; namespace: string },
  workflowId: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  let base = env.TEMPORAL_UI_URL?.replace(/\/$/, '');
  const match = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(settings.address);
  if (!base && match) base = `http://${match[1]}:${Number(match[2]) + 1000}`;
  if (!base) return undefined;
  return `${base}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
