import type { Command } from 'commander';
import type { CloudManagerClient } from '../cloud-manager/client';
import { checkConfiguredEnvironment, environmentClient } from '../config/environment-clients';
import { loadConfig, type Config } from '../config';
import { DEFAULT_ENVIRONMENT, environmentTaskQueue } from '../shared/environments';

/** `--environment` (and `--config`, where a command has none yet) as commander hands them over. */
export interface EnvironmentFlags {
  environment?: string;
  config?: string;
  apiUrl?: string;
  vanityDomain?: string;
}

/** The environment a command acts in, checked against the configuration before anything starts. */
export interface CliEnvironment {
  name: string;
  /** Loaded only for a named environment: the default one needs no file. */
  config?: Config;
}

/**
 * Adds `--environment <name>` (no commander default, so a parent command's value is never
 * overridden) and, with `config: true`, `--config <file>` to name the file that configures it.
 */
export function withEnvironmentOption(command: Command, options: { config?: boolean } = {}): Command {
  command.option(
    '--environment <name>',
    'the Imply environment: default (the IMPLY_* variables) or one under `environments:` in the configuration (default: default)',
  );
  if (options.config) {
    command.option(
      '--config <file>',
      'configuration with the environments (default: IMPLY_RUNBOOKS_CONFIG, ./imply-runbooks.config.yaml)',
    );
  }
  return command;
}

/**
 * The environment `--environment` names; an unknown name throws listing the known ones, before
 * Temporal or the API is reached. Reads the configuration file only for a named environment.
 */
export function environmentFromFlags(
  flags: EnvironmentFlags,
  env: NodeJS.ProcessEnv = process.env,
  config?: Config,
): CliEnvironment {
  const requested = flags.environment?.trim() || DEFAULT_ENVIRONMENT;
  if (requested === DEFAULT_ENVIRONMENT) return { name: DEFAULT_ENVIRONMENT };
  const loaded = config ?? loadConfig({ path: flags.config, env });
  const name = checkConfiguredEnvironment(loaded, requested, '--environment');
  if (flags.apiUrl || flags.vanityDomain) {
    throw new Error(
      `--api-url and --vanity-domain set the default environment's API; environment "${name}" takes its ` +
        `API from the configuration file (environments.${name}): leave them out`,
    );
  }
  return { name, config: loaded };
}

/** The task queue of the chosen environment, from the base one (IMPLY_RUNBOOKS_TASK_QUEUE). Pure. */
export function taskQueueOf(environment: CliEnvironment, baseTaskQueue: string): string {
  return environmentTaskQueue(baseTaskQueue, environment.name);
}

/** The Cloud Manager client of the chosen environment, to find clusters by name. Reads the environment. */
export function cliApiClient(
  flags: EnvironmentFlags,
  env: NodeJS.ProcessEnv = process.env,
  config?: Config,
): CloudManagerClient {
  const environment = environmentFromFlags(flags, env, config);
  return environmentClient(environment.config ?? {}, environment.name, env, {
    apiUrl: flags.apiUrl,
    vanityDomain: flags.vanityDomain,
  });
}
