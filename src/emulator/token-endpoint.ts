import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenRegistry } from './auth';
import { mediaType, readBody, sendJson } from './http-io';

/**
 * The OAuth 2.0 client-credentials grant, where Keycloak serves it for an Imply organization:
 * `POST /auth/realms/{organization}/protocol/openid-connect/token` with a form body. Errors use the
 * OAuth shape (`{ error, error_description }`, RFC 6749 §5.2), not Imply's envelope.
 */

const TOKEN_PATH = /^\/auth\/realms\/([^/]+)\/protocol\/openid-connect\/token\/?$/;

/** True for the token endpoint's path (any organization). */
export function isTokenPath(path: string): boolean {
  return TOKEN_PATH.test(path);
}

/** The token URL of an emulator for `organization`, as IMPLY_TOKEN_URL takes it. */
export function emulatorTokenUrl(emulatorUrl: string, organization: string): string {
  return `${emulatorUrl}/auth/realms/${encodeURIComponent(organization)}/protocol/openid-connect/token`;
}

function oauthError(response: ServerResponse, status: number, error: string, description: string) {
  sendJson(response, status, { error, error_description: description }, false, {
    'cache-control': 'no-store',
  });
}

/** Answers one request to the token endpoint; the secret is never logged or echoed. */
export async function serveToken(
  request: IncomingMessage,
  response: ServerResponse,
  tokens: TokenRegistry,
): Promise<number> {
  if (request.method !== 'POST') {
    oauthError(response, 405, 'invalid_request', 'The token endpoint takes POST only.');
    return 405;
  }
  const body = await readBody(request, 16 * 1024).catch(() => undefined);
  if (!body || mediaType(request) !== 'application/x-www-form-urlencoded') {
    oauthError(
      response,
      400,
      'invalid_request',
      'Send the grant as a form: Content-Type application/x-www-form-urlencoded.',
    );
    return 400;
  }
  const form = new URLSearchParams(body.toString('utf8'));
  if (form.get('grant_type') !== 'client_credentials') {
    oauthError(response, 400, 'unsupported_grant_type', 'Only grant_type=client_credentials is served.');
    return 400;
  }
  const issued = tokens.issue(form.get('client_id') ?? '', form.get('client_secret') ?? '');
  if (!issued) {
    oauthError(response, 401, 'invalid_client', 'Invalid client or Invalid client credentials');
    return 401;
  }
  sendJson(
    response,
    200,
    { access_token: issued.token, expires_in: issued.expiresIn, token_type: 'Bearer', scope: 'profile' },
    false,
    { 'cache-control': 'no-store' },
  );
  return 200;
}
