import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressIn } from '../config/cidr';
import { OIDC_SIGN_IN_PATH } from '../config/web-oidc';
import { WebProblem } from './http-io';
import { renderSignInNeeded } from './layout';
import { identityFromHeader } from './request-guards';
import { sessionCookie, sessionCookieValue, type Session, type SessionStore } from './sessions';

/**
 * Who is asking: the auth proxy's header when the configuration names one and the request comes
 * from one of its trusted proxies (`web.trustedProxies`), else a session started by a token login
 * or an OpenID Connect sign-in (`web.oidc`).
 * A header from any other address is not believed: it neither signs anyone in nor changes who the
 * session's user is. A header user gets a session too, for the CSRF token of its forms; a header
 * session is never accepted without the header, so a bypassed proxy leaves no working cookie behind.
 */

export interface IdentitySettings {
  sessions: SessionStore;
  identityHeader?: string;
  /** Addresses and CIDR blocks of the auth proxies; the header counts only from these. */
  trustedProxies?: readonly string[];
  secureCookies: boolean;
  /** The OIDC provider's host, for the sign-in page's button; absent when OIDC is not configured. */
  oidcIssuerHost?: string;
}

/** How a decision's sender was authenticated, as the audit records it. */
export type AuthenticatedBy = 'token-link' | 'proxy-header' | 'oidc';

/** The audit's name for how a session began. Pure. */
export function authenticatedBy(session: Session): AuthenticatedBy {
  if (session.via === 'oidc') return 'oidc';
  return session.via === 'header' ? 'proxy-header' : 'token-link';
}

export interface Identified {
  user: string;
  session: Session;
}

/** Seconds a browser keeps the session cookie: the sessions' own lifetime. */
export const SESSION_MAX_AGE_SECONDS = 12 * 3600;

/** Thrown when nobody is signed in: the 401 page says how to sign in. */
export class SignInNeeded extends WebProblem {
  constructor(readonly page: string) {
    super(401, 'Sign in needed', 'Sign in first.');
  }
}

/**
 * The identity of a request. On GET it may start a session (setting the cookie on `response`);
 * on POST it only finds one, since a form must come from a page this server rendered.
 */
export function identify(
  request: IncomingMessage,
  response: ServerResponse,
  settings: IdentitySettings,
  options: { mayStartSession: boolean },
): Identified {
  const trusted = addressIn(request.socket.remoteAddress, settings.trustedProxies ?? []);
  const fromHeader = trusted ? identityFromHeader(request, settings.identityHeader) : undefined;
  if (fromHeader && 'problem' in fromHeader)
    throw new WebProblem(400, 'Bad identity header', fromHeader.problem);
  const cookieValue = sessionCookieValue(request.headers.cookie);
  const session = settings.sessions.find(cookieValue);
  if (fromHeader) {
    if (session && session.via === 'header' && session.user === fromHeader.user) {
      return { user: session.user, session };
    }
    if (!options.mayStartSession) throw sessionExpired();
    const created = settings.sessions.create(fromHeader.user, 'header');
    response.setHeader(
      'Set-Cookie',
      sessionCookie(created.cookieValue, settings.secureCookies, SESSION_MAX_AGE_SECONDS),
    );
    return { user: fromHeader.user, session: created.session };
  }
  // An OIDC session counts only while OIDC is configured: dropping web.oidc ends them.
  const accepted = session?.via === 'token' || (session?.via === 'oidc' && settings.oidcIssuerHost);
  if (session && accepted) return { user: session.user, session };
  const ignoredHeader =
    !trusted &&
    settings.identityHeader &&
    request.headers[settings.identityHeader.toLowerCase()] !== undefined
      ? settings.identityHeader
      : undefined;
  throw new SignInNeeded(
    renderSignInNeeded(
      settings.identityHeader,
      settings.sessions.tokenLogin,
      ignoredHeader,
      settings.oidcIssuerHost
        ? { issuerHost: settings.oidcIssuerHost, href: oidcSignInHref(request.url) }
        : undefined,
    ),
  );
}

/** The OIDC sign-in link, coming back to the approvals page asked for (a notification's link). Pure. */
function oidcSignInHref(requestUrl: string | undefined): string {
  const path = (requestUrl ?? '').split('?')[0]!;
  return isReturnPath(path) ? `${OIDC_SIGN_IN_PATH}?next=${encodeURIComponent(path)}` : OIDC_SIGN_IN_PATH;
}

/** Whether `path` is one of the approvals or operations pages, and so a safe place to return to after sign-in. Pure. */
export function isReturnPath(path: string): boolean {
  return (
    /^\/approvals(\/[A-Za-z0-9%._~:@-]+)?$/.test(path) ||
    /^\/(clusters|runbooks|schedules|savings)$/.test(path)
  );
}

function sessionExpired(): WebProblem {
  return new WebProblem(
    403,
    'Session expired',
    'Your session has ended or belongs to someone else: open the approvals page again and repeat the decision.',
  );
}
