import { WorkflowNotFoundError } from '@temporalio/client';
import { tagsOf } from '../cloud-manager/schemas/cluster';
import type { CloudManagerClient } from '../cloud-manager/client';
import { changeInputFor, LOCAL_DEFAULTS, type Config } from '../config';
import type { ChangeInput } from '../shared/change';
import { protectionOf } from '../shared/change-policy';
import { shrinkRecordWorkflowId } from '../shared/runbook-ids';
import { SHRINK_RECORD_QUERY, type ShrinkRecord } from '../shared/shrink';
import { callApi } from './failures';
import type { TemporalAccess } from './fleet';

/** A cluster as a shrink schedule's fleet run needs it: its change runbook's input, and its protection. */
export interface ShrinkTarget {
  /** The change runbook's input without the request: the cluster's policies from the worker's configuration. */
  input: ChangeInput;
  /** Why the cluster is protected (a schedule does not shrink it), or absent. */
  protection?: string;
}

/** The activities of shrink schedules: the policies of a cluster, and what a shrink remembered. */
export function shrinkActivities({
  api,
  config,
  temporal,
}: {
  api: CloudManagerClient;
  config?: Config;
  temporal?: TemporalAccess;
}) {
  const configuration: Config = config ?? LOCAL_DEFAULTS;
  return {
    /**
     * The cluster's change and approval policies, resolved by its tags and name from the worker's
     * configuration file (the one a trigger resolves them from), read now. Read-only.
     */
    async shrinkTarget(clusterId: string): Promise<ShrinkTarget> {
      const cluster = await callApi(() => api.getCluster(clusterId));
      const input = changeInputFor(configuration, cluster);
      const protection = protectionOf(input.policy, tagsOf(cluster));
      return { input, ...(protection ? { protection } : {}) };
    },

    /** What the schedule's last shrink of the cluster remembered, while its record runs; else undefined. Read-only. */
    async readShrinkRecord(scheduleName: string, clusterId: string): Promise<ShrinkRecord | undefined> {
      if (!temporal) {
        throw new Error(
          'this worker has no Temporal client to read shrink records: start it with `imply-runbooks worker`',
        );
      }
      const handle = temporal.client.workflow.getHandle(shrinkRecordWorkflowId(scheduleName, clusterId));
      try {
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING') return undefined;
        return await handle.query<ShrinkRecord>(SHRINK_RECORD_QUERY);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}
