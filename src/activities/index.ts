import type { CloudManagerClient } from '../cloud-manager/client';
import { changeActivities } from './change';
import { changeNotifyActivities } from './change-notify';
import { clusterActivities } from './clusters';
import { driftActivities } from './drift';
import { fleetActivities, type TemporalAccess } from './fleet';
import { fleetNotifyActivities } from './fleet-notify';
import { notifyActivities, type NotificationSettings } from './notify';
import { planActivities } from './plans';
import { shrinkActivities } from './shrink';
import type { Config } from '../config';
import { loadPrices, type PriceTable } from '../config/prices';

export interface ActivityDependencies {
  api: CloudManagerClient;
  /** Approval notifications (webhooks from the configuration file); absent: none are sent. */
  notifications?: NotificationSettings;
  /** The worker's Temporal client, for visibility reads (keep-alive overrides); absent: stop fleets fail. */
  temporal?: TemporalAccess;
  /** The worker's configuration: the change and approval policies of a shrink schedule's changes; absent: the local defaults. */
  config?: Config;
  /** Prices of plans' monthly costs, loaded once at worker start (the savings report's table); absent: the default table. */
  prices?: PriceTable;
}

/** Every activity the worker registers, built over the dependencies it is given. */
export function createActivities(dependencies: ActivityDependencies) {
  const prices = dependencies.prices ?? loadPrices();
  return {
    ...clusterActivities(dependencies),
    ...planActivities({ ...dependencies, prices }),
    ...notifyActivities(dependencies),
    ...fleetActivities(dependencies),
    ...fleetNotifyActivities(dependencies),
    ...changeActivities({ ...dependencies, prices }),
    ...changeNotifyActivities(dependencies),
    ...shrinkActivities(dependencies),
    ...driftActivities(dependencies),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ClusterSummary, ClusterConfig } from './clusters';
export type { PlannedChange } from './change';
export type { LastChange } from '../shared/change';
