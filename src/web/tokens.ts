import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { WebConfig } from '../config';

/** Per-user login tokens of the local default: read from the variables web.users names, or made up. */

export interface UserTokens {
  /** User name → token. */
  tokens: Record<string, string>;
  /** Users whose token variable is not set (they cannot sign in by token). */
  missing: Array<{ user: string; variable: string }>;
}

/** The tokens web.users names through `tokenEnv`, read from `env`. Reads only. */
export function tokensFromEnv(settings: WebConfig, env: NodeJS.ProcessEnv = process.env): UserTokens {
  const result: UserTokens = { tokens: {}, missing: [] };
  for (const [user, { tokenEnv }] of Object.entries(settings.users)) {
    const token = env[tokenEnv]?.trim();
    if (token) result.tokens[user] = token;
    else result.missing.push({ user, variable: tokenEnv });
  }
  return result;
}

/**
 * A token for every configured user: the one in its variable if set, else a new random one.
 * Returns them with the `export NAME=token` pairs for env.sh. Not idempotent (new tokens each call).
 */
export function ensureTokens(
  settings: WebConfig,
  env: NodeJS.ProcessEnv = process.env,
): { tokens: Record<string, string>; exports: Record<string, string> } {
  const { tokens } = tokensFromEnv(settings, env);
  const exports: Record<string, string> = {};
  for (const [user, { tokenEnv }] of Object.entries(settings.users)) {
    tokens[user] ??= `web-${randomBytes(24).toString('base64url')}`;
    exports[tokenEnv] = tokens[user];
  }
  return { tokens, exports };
}

/** A user's sign-in link. Pure. */
export function loginLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/login?token=${encodeURIComponent(token)}`;
}

/** Writes one `user: link` line per user to `file`, readable by the owner only. Overwrites. */
export function writeLoginLinks(file: string, publicUrl: string, tokens: Record<string, string>): void {
  const lines = [
    "# Written by imply-runbooks dev: each local user's sign-in link for the approvals page. Keep it private.",
    ...Object.entries(tokens).map(([user, token]) => `${user}: ${loginLink(publicUrl, token)}`),
  ];
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
