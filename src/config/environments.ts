import { z } from 'zod';
import { normalizeApiUrl, vanityDomainUrl } from '../cloud-manager/config';
import { environmentNameProblem } from '../shared/environments';

/**
 * The `environments:` section: one entry per Imply environment (vanity domain) besides the default
 * one the IMPLY_* variables configure. Secrets appear only as the names of environment variables.
 *
 *   environments:
 *     prod:
 *       vanityDomain: acme                       # or apiUrl: https://acme.implycloud.com/api/v1
 *       auth: { tokenEnv: IMPLY_PROD_TOKEN }     # or clientIdEnv, clientSecretEnv, organization (tokenUrl)
 *       requestsPerSecond: 10                    # optional: the task queue's activity rate limit
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_IN_FILE =
  'secrets do not belong in the file: put it in an environment variable and name the variable';

const envNameSchema = z
  .string({ error: 'must be the name of an environment variable, such as IMPLY_PROD_TOKEN' })
  .regex(ENV_NAME, { error: 'must be the name of an environment variable, such as IMPLY_PROD_TOKEN' });

/** How a named environment's worker gets its bearer token. */
export type EnvironmentAuth =
  | { tokenEnv: string }
  | { clientIdEnv: string; clientSecretEnv: string; organization: string; tokenUrl?: string };

const authSchema = z
  .strictObject(
    {
      tokenEnv: envNameSchema.optional(),
      clientIdEnv: envNameSchema.optional(),
      clientSecretEnv: envNameSchema.optional(),
      organization: z.string({ error: 'must be the Imply organization name' }).trim().min(1).optional(),
      tokenUrl: z.url({ error: 'must be the token endpoint URL (http or https)' }).optional(),
      token: z.unknown().optional(),
      clientSecret: z.unknown().optional(),
    },
    {
      error: 'must be { tokenEnv: NAME } or { clientIdEnv: NAME, clientSecretEnv: NAME, organization: ORG }',
    },
  )
  .superRefine((auth, context) => {
    const problem = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (auth.token !== undefined) problem('token', `${SECRET_IN_FILE}: tokenEnv: NAME`);
    if (auth.clientSecret !== undefined) problem('clientSecret', `${SECRET_IN_FILE}: clientSecretEnv: NAME`);
    if (auth.token !== undefined || auth.clientSecret !== undefined) return;
    const client = [auth.clientIdEnv, auth.clientSecretEnv, auth.organization, auth.tokenUrl];
    if (auth.tokenEnv !== undefined) {
      if (client.some((value) => value !== undefined)) {
        problem(
          'tokenEnv',
          'give either tokenEnv or the OAuth client (clientIdEnv, clientSecretEnv, organization), not both',
        );
      }
      return;
    }
    if (client.every((value) => value === undefined)) {
      context.addIssue({
        code: 'custom',
        message:
          'give tokenEnv (the variable holding a bearer token), or clientIdEnv, clientSecretEnv and organization (an OAuth client)',
      });
      return;
    }
    if (auth.clientIdEnv === undefined)
      problem('clientIdEnv', 'is needed: the variable holding the OAuth client id');
    if (auth.clientSecretEnv === undefined)
      problem('clientSecretEnv', 'is needed: the variable holding the OAuth client secret');
    if (auth.organization === undefined)
      problem('organization', 'is needed: the Imply organization, e.g. acme');
  })
  .transform((auth): EnvironmentAuth =>
    auth.tokenEnv !== undefined
      ? { tokenEnv: auth.tokenEnv }
      : {
          clientIdEnv: auth.clientIdEnv as string,
          clientSecretEnv: auth.clientSecretEnv as string,
          organization: auth.organization as string,
          ...(auth.tokenUrl !== undefined ? { tokenUrl: auth.tokenUrl } : {}),
        },
  );

const environmentSchema = z
  .strictObject({
    vanityDomain: z.string({ error: 'must be the Imply Cloud account name, e.g. acme' }).optional(),
    apiUrl: z.string({ error: 'must be a URL such as https://acme.implycloud.com/api/v1' }).optional(),
    auth: authSchema.optional(),
    requestsPerSecond: z
      .number({ error: 'must be a number of activities per second, such as 10' })
      .positive({ error: 'must be more than 0' })
      .optional(),
  })
  .transform((environment, context) => {
    const apiBaseUrl = baseUrlOf(environment, context);
    if (environment.auth === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['auth'],
        message:
          'is needed: { tokenEnv: NAME } or { clientIdEnv: NAME, clientSecretEnv: NAME, organization: ORG }',
      });
    }
    if (apiBaseUrl === undefined || environment.auth === undefined) return z.NEVER;
    return {
      apiBaseUrl,
      auth: environment.auth,
      ...(environment.requestsPerSecond !== undefined
        ? { requestsPerSecond: environment.requestsPerSecond }
        : {}),
    };
  });

function baseUrlOf(
  environment: { vanityDomain?: string; apiUrl?: string },
  context: z.RefinementCtx,
): string | undefined {
  if ((environment.vanityDomain === undefined) === (environment.apiUrl === undefined)) {
    context.addIssue({
      code: 'custom',
      message: 'give exactly one of vanityDomain (the Imply Cloud account name) or apiUrl (a full API URL)',
    });
    return undefined;
  }
  const key = environment.apiUrl !== undefined ? 'apiUrl' : 'vanityDomain';
  try {
    return environment.apiUrl !== undefined
      ? normalizeApiUrl(environment.apiUrl, 'apiUrl')
      : vanityDomainUrl(environment.vanityDomain as string, 'vanityDomain');
  } catch (error) {
    // The message repeats the key ("apiUrl '…' is not a URL"): drop it, the path names it.
    const message = (error as Error).message
      .replace(/^(apiUrl|vanityDomain) /, '')
      .replace('IMPLY_TOKEN', 'the variable auth.tokenEnv names');
    context.addIssue({ code: 'custom', path: [key], message });
    return undefined;
  }
}

export const environmentsConfigSchema = z
  .record(z.string(), environmentSchema, { error: 'must map environment names to their settings' })
  .superRefine((environments, context) => {
    for (const name of Object.keys(environments)) {
      const problem = environmentNameProblem(name);
      if (problem) context.addIssue({ code: 'custom', path: [name], message: problem });
    }
  });

export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type EnvironmentsConfig = z.output<typeof environmentsConfigSchema>;
