import path from 'node:path';
import type { Config } from '../config';
import { connectDevClient } from './dev-client';
import { triggerOptionsFromEnv } from '../triggers/trigger-setup';
import { operationsFromConfig } from '../web/operations-setup';
import { startWebServer } from '../web/server';
import { loginLink, writeLoginLinks } from '../web/tokens';

/** The approvals page inside the dev stack: in-process, on the local Temporal, with local login links. */

export interface DevWebOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  port: number;
  host: string;
  config: Config;
  /** User name → token (ensureTokens made them before env.sh was written). */
  tokens: Record<string, string>;
  dataDir: string;
  print: (line: string) => void;
  /** The Cloud Manager settings and trigger token the trigger endpoint uses (IMPLY_API_URL, IMPLY_TOKEN, …). */
  triggerEnv?: Record<string, string>;
}

export interface DevWeb {
  /** Where people open it: `http://127.0.0.1:8787`. */
  publicUrl: string;
  /** dataDir/web-logins.txt (mode 600): each local user's sign-in link. */
  loginsFile: string;
  /** User name → sign-in link. */
  loginLinks: Record<string, string>;
  /** Stops the server, then its Temporal connection. Safe to call twice. */
  close(): Promise<void>;
}

/** The file the dev stack writes the sign-in links to, in its data folder. */
export const LOGINS_FILE = 'web-logins.txt';

/** Starts the page, writes the login links and prints them once. Binds a port and writes a file: not idempotent. */
export async function startDevWeb(options: DevWebOptions): Promise<DevWeb> {
  const { client, connection } = await connectDevClient(options);
  try {
    const server = await startWebServer({
      host: options.host,
      port: options.port,
      client,
      namespace: options.namespace,
      // The dev stack has no auth proxy in front and no OIDC provider: token links, whatever the file says.
      config: tokenLinksOnly(options.config),
      tokens: options.tokens,
      // Decisions and sign-ins, never a token: worth seeing in the dev terminal.
      log: options.print,
      triggers: options.triggerEnv
        ? triggerOptionsFromEnv(client, options.taskQueue, () => {}, options.triggerEnv)
        : undefined,
      operations: operationsFromConfig(
        client,
        options.config,
        { address: options.temporalAddress, namespace: options.namespace, taskQueue: options.taskQueue },
        { ...process.env, ...options.triggerEnv },
      ),
    });
    const loginsFile = path.join(options.dataDir, LOGINS_FILE);
    writeLoginLinks(loginsFile, server.publicUrl, options.tokens);
    const loginLinks = Object.fromEntries(
      Object.entries(options.tokens).map(([user, token]) => [user, loginLink(server.publicUrl, token)]),
    );
    options.print(`[web] approvals page ready at ${server.publicUrl}/approvals`);
    // The links are secrets: only in the mode-600 file, never on a terminal someone may be sharing.
    options.print(
      `[web] sign in as ${Object.keys(loginLinks).join(' or ')} with the links in ${loginsFile} (mode 600)`,
    );
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await server.close();
        await connection.close();
      })());
    return { publicUrl: server.publicUrl, loginsFile, loginLinks, close };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/**
 * The configuration with no identity header trusted and no OIDC provider (which would need a shared
 * session secret and a registered redirect URI): sign-in by token link only. Pure.
 */
function tokenLinksOnly(config: Config): Config {
  const { identityHeader: _ignored, oidc: _noProvider, ...web } = config.web;
  return { ...config, web: { ...web, trustedProxies: [] } };
}
