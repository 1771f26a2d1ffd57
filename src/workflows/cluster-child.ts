import { workflowInfo } from '@temporalio/workflow';
import { ENVIRONMENT_MEMO_KEY } from '../shared/environments';
import { runbookAttributes } from '../shared/power';
import { changeWorkflowId } from '../shared/runbook-ids';

/**
 * The options of a child on `change:<uid>` (a change, stop or start of one cluster): one at a time
 * per cluster by that id, a new one allowed once the previous has ended, cancelled with its parent,
 * found by kind and cluster, and in the parent's Imply environment. Workflow code.
 */
export function clusterChildOptions(clusterId: string, kind: string, clusterName: string) {
  const environment = workflowInfo().memo?.[ENVIRONMENT_MEMO_KEY];
  return {
    workflowId: changeWorkflowId(clusterId),
    parentClosePolicy: 'REQUEST_CANCEL' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    typedSearchAttributes: runbookAttributes(kind, clusterId, clusterName),
    ...(typeof environment === 'string' ? { memo: { [ENVIRONMENT_MEMO_KEY]: environment } } : {}),
  };
}
