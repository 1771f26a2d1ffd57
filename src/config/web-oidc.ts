import { z } from 'zod';
import { parseDuration } from '../shared/durations';

/**
 * `web.oidc`: sign-in to the approvals page with an OpenID Connect provider (authorization code
 * with PKCE). The client secret, when there is one, lives in the environment, never in the file.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Paths the page answers itself: the callback must be another. */
export const OIDC_SIGN_IN_PATH = '/auth/sign-in';
const OWN_PATHS = new Set(['/', '/login', '/healthz', OIDC_SIGN_IN_PATH]);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** The sessions' own lifetime may be shorter than the other sessions' 12 h, never longer. */
export const MAX_OIDC_SESSION_MS = 12 * 3_600_000;
export const DEFAULT_OIDC_SESSION_MS = 8 * 3_600_000;

const issuerSchema = z
  .url({ error: "must be the provider's issuer URL, such as https://login.example.com/realms/ops" })
  .refine(
    (text) => {
      const url = new URL(text);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    },
    {
      error: 'must be an https:// URL (http:// only for a provider on this machine, 127.0.0.1 or localhost)',
    },
  );

const claimNameSchema = z
  .string({ error: 'must be the name of a claim, such as groups' })
  .regex(/^[A-Za-z0-9_:./-]{1,100}$/, { error: 'must be the name of a claim, such as groups' });

const sessionTtlSchema = z
  .union([z.string(), z.number()], { error: 'must be a duration such as 8h' })
  .transform((value, context) => {
    let ms: number | undefined;
    try {
      ms = parseDuration(String(value), 'duration');
    } catch {
      ms = undefined;
    }
    if (ms === undefined || ms <= 0 || ms > MAX_OIDC_SESSION_MS) {
      context.addIssue({
        code: 'custom',
        message: `"${value}" is not a duration between 1m and 12h: write for example 8h or 90m`,
      });
      return z.NEVER;
    }
    return ms;
  });

export const oidcConfigSchema = z
  .strictObject({
    issuer: issuerSchema,
    clientId: z
      .string({ error: 'must be the client id registered with the provider' })
      .trim()
      .min(1, { error: 'must be the client id registered with the provider' }),
    /** Absent: a public client (PKCE only). */
    clientSecretEnv: z
      .string({ error: 'must be the name of an environment variable, such as IMPLY_RUNBOOKS_OIDC_SECRET' })
      .regex(ENV_NAME, {
        error: 'must be the name of an environment variable, such as IMPLY_RUNBOOKS_OIDC_SECRET',
      })
      .optional(),
    clientSecret: z.unknown().optional(),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { error: 'must be a scope name' }), {
        error: 'must be a list of scopes, such as [openid, email, profile]',
      })
      .refine((scopes) => scopes.includes('openid'), { error: 'must include openid' })
      .default(['openid', 'email', 'profile']),
    userClaim: z
      .enum(['email', 'preferred_username'], { error: 'must be email or preferred_username' })
      .default('email'),
    groupsClaim: claimNameSchema.optional(),
    redirectPath: z
      .string({ error: 'must be a path such as /auth/callback' })
      .regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'must be a path such as /auth/callback' })
      .refine((path) => !path.startsWith('/approvals') && !OWN_PATHS.has(path), {
        error: "must not be one of the page's own paths: use /auth/callback",
      })
      .default('/auth/callback'),
    sessionTtl: sessionTtlSchema.default(DEFAULT_OIDC_SESSION_MS),
  })
  .superRefine((oidc, context) => {
    if (oidc.clientSecret !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message:
          'a client secret does not belong in the file: put it in an environment variable and write clientSecretEnv: NAME (or drop it for a public client with PKCE)',
      });
    }
  })
  .transform(({ clientSecret: _refused, ...oidc }) => oidc);

export type OidcConfig = z.output<typeof oidcConfigSchema>;
