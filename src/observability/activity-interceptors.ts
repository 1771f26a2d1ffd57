import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export interface ClusterIds {
  clusterId?: string;
  clusterName?: string;
}

/**
 * The cluster an activity acts on, read from its arguments: the first argument when it is a cluster
 * id (every per-cluster activity takes it first), or a cluster request's `metadata`. Pure.
 */
export function clusterIdsFromArguments(args: readonly unknown[]): ClusterIds {
  const first = args[0];
  if (typeof first === 'string' && first !== '') return { clusterId: first };
  const metadata = (first as { metadata?: { uid?: unknown; name?: unknown } } | undefined)?.metadata;
  const ids: ClusterIds = {};
  if (typeof metadata?.uid === 'string') ids.clusterId = metadata.uid;
  if (typeof metadata?.name === 'string') ids.clusterName = metadata.name;
  return ids;
}

/**
 * Adds the runbook id (the workflow id) and the cluster id to every log line of an activity,
 * the SDK's own `Activity completed` / `Activity failed` lines included. Changes no behaviour.
 */
export const activityLogInterceptors: ActivityInterceptorsFactory = (context) => {
  const ids: ClusterIds = {};
  return {
    inbound: {
      async execute(input, next) {
        Object.assign(ids, clusterIdsFromArguments(input.args));
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        const runbookId = context.info.workflowExecution?.workflowId;
        return next({ ...input, ...(runbookId ? { runbookId } : {}), ...ids });
      },
    },
  };
};
