import type { Worker } from '@temporalio/worker';
import type { CloudManagerClient } from './cloud-manager/client';
import { environmentClient, environmentNames } from './config/environment-clients';
import type { Config } from './config';
import { checkEnvironment, DEFAULT_ENVIRONMENT, environmentTaskQueue } from './shared/environments';

/** The variable that sets the default environment's task-queue-wide activity rate limit. */
export const DEFAULT_RATE_VARIABLE = 'IMPLY_REQUESTS_PER_SECOND';
/** The variable that, like `worker --environments`, names the environments a worker serves. */
export const SERVED_ENVIRONMENTS_VARIABLE = 'IMPLY_RUNBOOKS_ENVIRONMENTS';

/** One environment a worker serves: its task queue, its client, and its rate limit if any. */
export interface ServedEnvironment {
  name: string;
  taskQueue: string;
  api: CloudManagerClient;
  /** `maxTaskQueueActivitiesPerSecond` of the task queue: all workers on it together. */
  requestsPerSecond?: number;
}

export interface ServeOptions {
  baseTaskQueue: string;
  /** `--environments prod,staging`; default: IMPLY_RUNBOOKS_ENVIRONMENTS, else all configured plus default. */
  environments?: string;
  /** `--api-url` / `--vanity-domain`: the default environment's API. */
  apiUrl?: string;
  vanityDomain?: string;
}

/** The names a worker serves, each checked against the configuration; throws naming the flag. Pure. */
export function servedEnvironmentNames(config: Config, env: NodeJS.ProcessEnv, requested?: string): string[] {
  const known = environmentNames(config);
  const fromVariable = env[SERVED_ENVIRONMENTS_VARIABLE]?.trim();
  const text = requested ?? (fromVariable || undefined);
  if (text === undefined) return known;
  const source = requested !== undefined ? '--environments' : SERVED_ENVIRONMENTS_VARIABLE;
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw new Error(`${source} is empty: name the environments to serve, e.g. ${known.join(',')}`);
  }
  return [...new Set(names.map((name) => checkEnvironment(name, known, `${source}:`)))];
}

/** IMPLY_REQUESTS_PER_SECOND: a positive number, or absent. Throws naming the variable. */
export function defaultRequestsPerSecond(env: NodeJS.ProcessEnv): number | undefined {
  const text = env[DEFAULT_RATE_VARIABLE]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(
      `${DEFAULT_RATE_VARIABLE}=${text} is not a rate: give the activities per second for the default environment's ` +
        'task queue, such as 10, or unset it for no limit',
    );
  }
  return value;
}

/**
 * Every environment this worker serves, with its client built now: a missing credential stops the
 * worker before it takes work, naming the environment and the variable. Reads the environment only.
 */
export function environmentsToServe(
  config: Config,
  env: NodeJS.ProcessEnv,
  options: ServeOptions,
): ServedEnvironment[] {
  const names = servedEnvironmentNames(config, env, options.environments);
  const named = names.length > 1 || names[0] !== DEFAULT_ENVIRONMENT;
  return names.map((name) => {
    let api: CloudManagerClient;
    try {
      api = environmentClient(config, name, env, {
        apiUrl: name === DEFAULT_ENVIRONMENT ? options.apiUrl : undefined,
        vanityDomain: name === DEFAULT_ENVIRONMENT ? options.vanityDomain : undefined,
      });
    } catch (error) {
      if (name !== DEFAULT_ENVIRONMENT || !named) throw error;
      const others = names.filter((other) => other !== DEFAULT_ENVIRONMENT).join(',');
      throw new Error(
        `environment "default": ${(error as Error).message} To serve only the configured environments, ` +
          `start the worker with --environments ${others}.`,
      );
    }
    const requestsPerSecond =
      name === DEFAULT_ENVIRONMENT
        ? defaultRequestsPerSecond(env)
        : config.environments?.[name]?.requestsPerSecond;
    return {
      name,
      taskQueue: environmentTaskQueue(options.baseTaskQueue, name),
      api,
      ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}),
    };
  });
}

/** The `Worker ready` line's tail for an environment: where its API is and its rate limit. Pure. */
export function describeServedEnvironment(served: ServedEnvironment): string {
  const rate =
    served.requestsPerSecond !== undefined
      ? `, at most ${served.requestsPerSecond} activities/s on the task queue across all workers`
      : '';
  return `Cloud Manager API ${served.api.baseUrl}${rate}`;
}

/**
 * Runs the workers until all have stopped: SIGINT/SIGTERM stop them all (the SDK's runtime shuts
 * every worker down), and when one fails the others are shut down too. Rejects with the first failure.
 */
export async function runWorkersTogether(workers: readonly Worker[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  await Promise.all(
    workers.map((worker) =>
      worker.run().catch((error: unknown) => {
        failure ??= { error };
        for (const other of workers) {
          try {
            other.shutdown();
          } catch {
            // Already stopping, stopped or never started: nothing to do.
          }
        }
      }),
    ),
  );
  if (failure) throw failure.error;
}
