import type { Dispatcher } from 'undici';
import type { Config } from './defaults';
import type { EnvironmentAuth } from './environments';
import { checkEnvironment, DEFAULT_ENVIRONMENT } from '../shared/environments';
import {
  ClientCredentialsTokenProvider,
  StaticTokenProvider,
  type TokenProvider,
} from '../cloud-manager/auth';
import { CloudManagerClient, createClientFromEnv } from '../cloud-manager/client';
import { ConfigurationError } from '../cloud-manager/config';

/**
 * Cloud Manager clients per Imply environment: `default` from the IMPLY_* variables (and the
 * --api-url / --vanity-domain flags), a named one from the configuration file's `environments:`
 * entry and the variables it names. Secrets are read from the environment only, at the call.
 */

/** The part of the configuration this module reads. */
export type EnvironmentsOf = Pick<Config, 'environments'>;

/** The names `--environment` accepts: `default` and every configured one. Pure. */
export function environmentNames(config: EnvironmentsOf): string[] {
  return [DEFAULT_ENVIRONMENT, ...Object.keys(config.environments ?? {})];
}

/** Checks an `--environment` value (or a trigger's `environment`) against the configuration. Pure. */
export function checkConfiguredEnvironment(
  config: EnvironmentsOf,
  requested: string,
  source: string,
): string {
  return checkEnvironment(requested, environmentNames(config), source);
}

/** A static token named by its variable, so messages say which environment's token was refused. */
class VariableTokenProvider extends StaticTokenProvider {
  constructor(
    token: string,
    private readonly variable: string,
  ) {
    super(token);
  }

  override describe(): string {
    return `static token (${this.variable})`;
  }
}

function readVariable(env: NodeJS.ProcessEnv, name: string, environment: string, key: string, what: string) {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigurationError(
      `environment "${environment}": the variable ${name} (environments.${environment}.auth.${key}) is not set: ` +
        `export it with ${what} of environment "${environment}"`,
    );
  }
  return value;
}

function tokenProviderFor(
  environment: string,
  auth: EnvironmentAuth,
  env: NodeJS.ProcessEnv,
  dispatcher?: Dispatcher,
): TokenProvider {
  if ('tokenEnv' in auth) {
    const token = readVariable(env, auth.tokenEnv, environment, 'tokenEnv', 'the bearer token');
    return new VariableTokenProvider(token, auth.tokenEnv);
  }
  return new ClientCredentialsTokenProvider({
    clientId: readVariable(env, auth.clientIdEnv, environment, 'clientIdEnv', 'the OAuth client id'),
    clientSecret: readVariable(
      env,
      auth.clientSecretEnv,
      environment,
      'clientSecretEnv',
      'the OAuth client secret',
    ),
    organization: auth.organization,
    tokenUrl: auth.tokenUrl,
    dispatcher,
  });
}

export interface EnvironmentClientOptions {
  /** `--api-url` / `--vanity-domain`: only the default environment takes them. */
  apiUrl?: string;
  vanityDomain?: string;
  dispatcher?: Dispatcher;
}

/**
 * The Cloud Manager client of one environment. Throws a ConfigurationError naming the environment
 * and the variable when a credential is missing, and the known names for an unknown environment.
 * Reads the environment variables only.
 */
export function environmentClient(
  config: EnvironmentsOf,
  environment: string,
  env: NodeJS.ProcessEnv = process.env,
  options: EnvironmentClientOptions = {},
): CloudManagerClient {
  if (environment === DEFAULT_ENVIRONMENT) return createClientFromEnv(env, options);
  const settings = config.environments?.[environment];
  if (!settings) {
    throw new ConfigurationError(
      `environment "${environment}" is not configured (known: ${environmentNames(config).join(', ')}): ` +
        'add it under `environments:` in the configuration file',
    );
  }
  if (options.apiUrl || options.vanityDomain) {
    throw new ConfigurationError(
      `--api-url and --vanity-domain set the default environment's API; environment "${environment}" ` +
        `takes its API from the configuration file (environments.${environment}): leave them out`,
    );
  }
  return new CloudManagerClient({
    baseUrl: settings.apiBaseUrl,
    auth: tokenProviderFor(environment, settings.auth, env, options.dispatcher),
    dispatcher: options.dispatcher,
  });
}
