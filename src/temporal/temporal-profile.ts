import fs from 'node:fs';
import { loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';

/**
 * Temporal's standard client configuration, read with `@temporalio/envconfig`: a profile from the
 * TOML file (`TEMPORAL_CONFIG_FILE`, else the user's `temporalio/temporal.toml`; profile
 * `TEMPORAL_PROFILE`, else `default`), overridden by the TEMPORAL_* variables, as the Temporal CLI
 * and the other SDKs read them. The variables are checked here first, because envconfig takes any
 * TEMPORAL_TLS other than `true` or `1` to mean "off" and a missing TEMPORAL_CONFIG_FILE to mean
 * "no file": here both are errors naming the variable.
 */

const BOOLEAN_VARIABLES = ['TEMPORAL_TLS', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'];
const FILE_VARIABLES = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
];

/** The variables as envconfig reads them: trimmed, and blank ones left out (unset, as elsewhere here). */
function presentVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const trimmed = value?.trim();
    if (trimmed) present[name] = trimmed;
  }
  return present;
}

function checkVariables(variables: Record<string, string>, problems: string[]): void {
  for (const name of BOOLEAN_VARIABLES) {
    const value = variables[name]?.toLowerCase();
    if (value === undefined) continue;
    if (['true', '1'].includes(value)) variables[name] = 'true';
    else if (['false', '0'].includes(value)) variables[name] = 'false';
    else {
      problems.push(`${name}=${variables[name]} is not a boolean: use true or false`);
      delete variables[name];
    }
  }
  for (const name of FILE_VARIABLES) {
    const file = variables[name];
    if (file === undefined) continue;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      problems.push(`${name}=${file} is not a readable file: fix the path or unset it`);
      if (name === 'TEMPORAL_CONFIG_FILE') delete variables[name];
    }
  }
  if (variables.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true') {
    problems.push(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is not supported by the TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to the name on the certificate instead',
    );
  }
}

/**
 * The profile the TEMPORAL_* variables and the config file give, or `undefined` when the file cannot
 * be used; every problem found is added to `problems` (a bad variable is left out, so the rest are
 * still checked). Reads files; changes nothing.
 */
export function loadTemporalProfile(
  env: NodeJS.ProcessEnv,
  problems: string[],
): ClientConfigProfile | undefined {
  const variables = presentVariables(env);
  checkVariables(variables, problems);
  try {
    return loadClientConfigProfile({ overrideEnvVars: variables, configFileStrict: true });
  } catch (error) {
    const file = variables.TEMPORAL_CONFIG_FILE ?? 'the Temporal config file (temporalio/temporal.toml)';
    const profile = variables.TEMPORAL_PROFILE ? ` (TEMPORAL_PROFILE=${variables.TEMPORAL_PROFILE})` : '';
    problems.push(`cannot use ${file}${profile}: ${(error as Error).message}`);
    return undefined;
  }
}
