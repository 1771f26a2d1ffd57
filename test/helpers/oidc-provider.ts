import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OpenID Connect provider in this process (panva's oidc-provider, a certified implementation)
 * on a free loopback port: its own login form (devInteractions: any login, any password), one
 * public client that must use PKCE, and accounts whose claims the test chooses.
 */

export interface ProviderAccount {
  /** Absent: the provider sends no email claim. */
  email?: string;
  groups: string[];
}

export interface LocalOidcProvider {
  /** `http://localhost:<port>`: another site than the web server's 127.0.0.1, as a real provider is. */
  issuer: string;
  close(): Promise<void>;
}

export interface LocalOidcProviderOptions {
  clientId: string;
  redirectUri: string;
  /** Login name (what is typed in the form) → claims. */
  accounts: Record<string, ProviderAccount>;
}

type ProviderConstructor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => { callback(): http.RequestListener };

/** Starts the provider; `close` it in `after`. */
export async function startOidcProvider(options: LocalOidcProviderOptions): Promise<LocalOidcProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://localhost:${port}`;
  // The package ships no types: imported by a name TypeScript does not resolve, typed just above.
  const packageName = 'oidc-provider';
  const Provider = ((await import(packageName)) as { default: ProviderConstructor }).default;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_context: unknown, id: string) {
      const account = options.accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          ...(account.email ? { email: account.email, email_verified: true } : {}),
          groups: account.groups,
        }),
      };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port free on 127.0.0.1 now, for a server that must know its address before it starts. */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
