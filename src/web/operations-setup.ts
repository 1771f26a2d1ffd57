import type { Client } from '@temporalio/client';
import type { CloudManagerClient } from '../cloud-manager/client';
import type { Config } from '../config';
import { environmentClient, environmentNames } from '../config/environment-clients';
import { loadConfiguredPrices } from '../config/prices';
import { runbookUiLink } from '../operations/cluster-actions';
import type { OperationsOptions } from './operations-source';

/**
 * The operations pages' options from the configuration: a Cloud Manager client per configured
 * environment (as the worker and the CLI make them), the price table, and the Temporal UI links.
 * An environment whose credentials are missing shows as a problem on the page, not a failed start.
 */
export function operationsFromConfig(
  client: Client,
  config: Config,
  temporal: { address: string; namespace: string; taskQueue: string },
  env: NodeJS.ProcessEnv = process.env,
): OperationsOptions {
  const apis: Record<string, CloudManagerClient | { problem: string }> = {};
  for (const name of environmentNames(config)) {
    try {
      apis[name] = environmentClient(config, name, env);
    } catch (error) {
      apis[name] = { problem: (error as Error).message };
    }
  }
  return {
    client,
    namespace: temporal.namespace,
    baseTaskQueue: temporal.taskQueue,
    apis,
    prices: loadConfiguredPrices(config),
    uiLink: (runbookId) => runbookUiLink(temporal, runbookId, env),
  };
}
