import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Configuration } from 'openid-client' with { 'resolution-mode': 'import' };
import type { OidcConfig } from '../config';
import { MAX_ASSERTED_GROUPS } from '../shared/approval';
import { redirect, send, WebProblem } from './http-io';
import { isReturnPath } from './identity';
import { renderSignedIn } from './layout';
import { isUserName } from './request-guards';
import { sessionCookie, sessionCookieValue, type SessionStore } from './sessions';
import type { WebLog } from '../observability/web-log';

/**
 * Sign-in with an OpenID Connect provider, as a relying party built on openid-client: discovery
 * from the issuer, authorization code with PKCE, state and nonce. What the callback needs (state,
 * nonce, code verifier) waits in a short-lived signed cookie, SameSite=Lax so that it comes back
 * with the provider's top-level redirect. The person is the token's `userClaim`; its `groupsClaim`
 * goes into the signed session cookie, so every replica (same secret) knows both.
 */

export const OIDC_FLOW_COOKIE = 'imply_runbooks_oidc';
const FLOW_PURPOSE = 'oidc-flow';
const FLOW_TTL_SECONDS = 600;
/** Browsers drop larger cookies: a token with very many groups is refused rather than half-kept. */
const MAX_COOKIE_LENGTH = 3800;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface OidcSignInOptions {
  config: OidcConfig;
  /** `web.publicUrl` + `redirectPath`: what is registered with the provider. */
  redirectUri: string;
  /** The value of `clientSecretEnv`; absent for a public client. */
  clientSecret?: string;
  sessions: SessionStore;
  secureCookies: boolean;
  log: WebLog;
}

type Claims = Record<string, unknown>;

/** The provider's host, as the sign-in button names it. Pure. */
export function issuerHost(issuer: string): string {
  return new URL(issuer).host;
}

/** The sign-in and callback handlers of one web server. Discovery happens at the first sign-in. */
export class OidcSignIn {
  private configuration?: Promise<Configuration>;

  constructor(private readonly options: OidcSignInOptions) {}

  private discover(): Promise<Configuration> {
    this.configuration ??= (async () => {
      const client = await import('openid-client');
      const { config, clientSecret } = this.options;
      const issuer = new URL(config.issuer);
      // Plain http only for a provider on this machine (tests, a local stack); the schema refuses others.
      const insecure = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
      return client.discovery(
        issuer,
        config.clientId,
        clientSecret,
        clientSecret ? client.ClientSecretPost(clientSecret) : client.None(),
        { execute: insecure ? [client.allowInsecureRequests] : [], timeout: 10 },
      );
    })();
    // A provider that was down at the first sign-in is asked again at the next one.
    this.configuration.catch(() => (this.configuration = undefined));
    return this.configuration;
  }

  /** GET /auth/sign-in[?next=/approvals/…]: sends the browser to the provider. Sets the flow cookie; safe to repeat. */
  async start(response: ServerResponse, url: URL): Promise<void> {
    const client = await import('openid-client');
    const configuration = await this.discover().catch((error: Error) => {
      throw unavailable(this.options.config.issuer, error);
    });
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const target = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.config.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const next = url.searchParams.get('next') ?? '';
    const sealed = this.options.sessions.seal(
      FLOW_PURPOSE,
      { codeVerifier, state, nonce, next: isReturnPath(next) ? next : '/approvals' },
      FLOW_TTL_SECONDS * 1000,
    );
    redirect(response, target.href, { 'Set-Cookie': this.flowCookie(sealed, FLOW_TTL_SECONDS) });
  }

  /** GET <redirectPath>: checks the provider's answer and starts a session. Never logs the code or tokens. */
  async callback(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const flow = this.options.sessions.unseal(
      FLOW_PURPOSE,
      sessionCookieValue(request.headers.cookie, OIDC_FLOW_COOKIE),
    );
    const clearFlow = this.flowCookie('', 0);
    if (!flow)
      throw refused('The sign-in took too long or began in another browser: sign in again.', clearFlow);
    const providerError = url.searchParams.get('error');
    if (providerError) {
      const description = url.searchParams.get('error_description');
      throw refused(
        `The provider refused the sign-in: ${providerError}${description ? ` (${description})` : ''}.`,
        clearFlow,
      );
    }
    const claims = await this.verifiedClaims(url, flow);
    const user = this.personOf(claims, clearFlow);
    const groups = this.groupsOf(claims, clearFlow);
    const { sessions, config } = this.options;
    const { cookieValue } = sessions.create(user, 'oidc', { groups, ttlMs: config.sessionTtl });
    if (cookieValue.length > MAX_COOKIE_LENGTH) {
      sessions.end(cookieValue);
      throw refused(
        `The token names too many groups to keep in a cookie: have the provider send only the approver groups in "${config.groupsClaim}".`,
        clearFlow,
      );
    }
    sessions.end(sessionCookieValue(request.headers.cookie));
    this.options.log(`[web] ${user} signed in with OpenID Connect (${groups.length} groups)`, { user });
    send(response, 200, renderSignedIn(user, isReturnPath(flow.next ?? '') ? flow.next! : '/approvals'), {
      'Referrer-Policy': 'no-referrer',
      'Set-Cookie': [
        sessionCookie(cookieValue, this.options.secureCookies, Math.floor(config.sessionTtl / 1000)),
        clearFlow,
      ],
    });
  }

  /** The ID token's claims, completed from the userinfo endpoint when the claims we read are not in it. */
  private async verifiedClaims(url: URL, flow: Record<string, string>): Promise<Claims> {
    const client = await import('openid-client');
    const configuration = await this.discover().catch((error: Error) => {
      throw unavailable(this.options.config.issuer, error);
    });
    const currentUrl = new URL(this.options.redirectUri);
    currentUrl.search = url.search;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims() as Claims;
      const { userClaim, groupsClaim } = this.options.config;
      const missing =
        idClaims[userClaim] === undefined || (groupsClaim && idClaims[groupsClaim] === undefined);
      if (!missing || !configuration.serverMetadata().userinfo_endpoint) return idClaims;
      const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, String(idClaims.sub));
      return { ...userinfo, ...idClaims };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.options.log(`[web] an OpenID Connect sign-in failed: ${reason}`, { level: 'warn' });
      throw refused(
        `The provider's answer did not verify (${reason}): sign in again.`,
        this.flowCookie('', 0),
      );
    }
  }

  private personOf(claims: Claims, clearFlow: string): string {
    const { userClaim } = this.options.config;
    const value = claims[userClaim];
    if (typeof value !== 'string' || value === '') {
      throw refused(
        `The provider's token has no "${userClaim}" claim, which names the person here (web.oidc.userClaim): ask for the ${userClaim === 'email' ? 'email' : 'profile'} scope, or set userClaim to the claim it sends.`,
        clearFlow,
      );
    }
    if (userClaim === 'email' && claims.email_verified === false) {
      throw refused(
        `The provider has not verified the e-mail address ${value}: verify it there first.`,
        clearFlow,
      );
    }
    if (!isUserName(value)) {
      throw refused(
        `The "${userClaim}" claim is not a user name this page accepts (letters, digits and . _ @ + -).`,
        clearFlow,
      );
    }
    return value;
  }

  private groupsOf(claims: Claims, clearFlow: string): string[] {
    const { groupsClaim } = this.options.config;
    if (!groupsClaim) return [];
    const value = claims[groupsClaim];
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    const groups = [
      ...new Set(list.filter((group): group is string => typeof group === 'string' && group !== '')),
    ];
    if (groups.length > MAX_ASSERTED_GROUPS) {
      throw refused(
        `The token names ${groups.length} groups in "${groupsClaim}", more than ${MAX_ASSERTED_GROUPS}: have the provider send only the approver groups.`,
        clearFlow,
      );
    }
    return groups;
  }

  private flowCookie(value: string, maxAgeSeconds: number): string {
    const parts = [
      `${OIDC_FLOW_COOKIE}=${value}`,
      `Path=${this.options.config.redirectPath}`,
      'HttpOnly',
      'SameSite=Lax',
    ];
    if (this.options.secureCookies) parts.push('Secure');
    parts.push(`Max-Age=${maxAgeSeconds}`);
    return parts.join('; ');
  }
}

function refused(message: string, clearFlow: string): WebProblem {
  return new WebProblem(401, 'Sign-in refused', message, {
    'Set-Cookie': clearFlow,
    'Referrer-Policy': 'no-referrer',
  });
}

function unavailable(issuer: string, error: Error): WebProblem {
  return new WebProblem(
    503,
    'Sign-in unavailable',
    `Cannot reach the OpenID Connect provider ${issuer}: ${error.message}`,
  );
}
