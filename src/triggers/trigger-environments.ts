import type { CloudManagerClient } from '../cloud-manager/client';
import {
  checkConfiguredEnvironment,
  environmentClient,
  type EnvironmentsOf,
} from '../config/environment-clients';
import { DEFAULT_ENVIRONMENT, environmentTaskQueue } from '../shared/environments';
import { TriggerRefused } from './submit-change';

/** Builds (once per name) the Cloud Manager client of a named environment from the configuration. */
export type EnvironmentApi = (config: EnvironmentsOf, environment: string) => CloudManagerClient;

/** Clients of named environments, made on first use from `env` and kept. Reads `env` only. */
export function cachedEnvironmentApi(env: NodeJS.ProcessEnv = process.env): EnvironmentApi {
  const clients = new Map<string, CloudManagerClient>();
  return (config, environment) => {
    const known = clients.get(environment);
    if (known) return known;
    const made = environmentClient(config, environment, env);
    clients.set(environment, made);
    return made;
  };
}

export interface TriggerTarget {
  environment: string;
  api: CloudManagerClient;
  taskQueue: string;
}

/**
 * Where a trigger's change runs: the default environment (the server's own client and task queue),
 * or the named one, checked against the configuration. Throws TriggerRefused: 400 for an unknown
 * environment, 503 when this server lacks its credentials.
 */
export function triggerTarget(
  requested: string | undefined,
  defaults: { api: CloudManagerClient; taskQueue: string },
  config: EnvironmentsOf,
  environmentApi: EnvironmentApi = cachedEnvironmentApi(),
): TriggerTarget {
  if (requested === undefined || requested === DEFAULT_ENVIRONMENT) {
    return { environment: DEFAULT_ENVIRONMENT, ...defaults };
  }
  let environment: string;
  try {
    environment = checkConfiguredEnvironment(config, requested, 'environment:');
  } catch (error) {
    throw new TriggerRefused(400, (error as Error).message, 'request');
  }
  try {
    return {
      environment,
      api: environmentApi(config, environment),
      taskQueue: environmentTaskQueue(defaults.taskQueue, environment),
    };
  } catch (error) {
    throw new TriggerRefused(
      503,
      `this server cannot act in environment "${environment}": ${(error as Error).message}`,
    );
  }
}
