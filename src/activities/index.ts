import type { CloudManagerClient } from '../cloud-manager/client';
import { clusterActivities } from './clusters';

export interface ActivityDependencies {
  api: CloudManagerClient;
}

/** Every activity the worker registers, built over the dependencies it is given. */
export function createActivities(dependencies: ActivityDependencies) {
  return { ...clusterActivities(dependencies) };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ClusterSummary, ClusterConfig } from './clusters';
