import { createHash } from 'node:crypto';
import { EmulatorHttpError } from './http-io';

/**
 * Bearer-token checks, as Imply answers them: 401 Unauthorized for no or unknown token, 403 with
 * the same code for a token without the manage-clusters role. Tokens are held only as SHA-256
 * hashes and never appear in an answer or a log line.
 */

export const MANAGE_CLUSTERS_ROLE = 'manage-clusters';

export interface EmulatorToken {
  token: string;
  /** Defaults to ['manage-clusters']. */
  roles?: string[];
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function unauthorized(message: string): EmulatorHttpError {
  return new EmulatorHttpError(401, 'Unauthorized', message);
}

/** The shell left `${IMPLY_TOKEN}` unexpanded: the tutorial's single quotes do that. */
const UNEXPANDED = /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/;

export class TokenRegistry {
  private readonly rolesByHash = new Map<string, string[]>();

  constructor(tokens: EmulatorToken[]) {
    for (const { token, roles } of tokens) {
      if (typeof token !== 'string' || token.trim() === '') {
        throw new Error('every emulator token must be a non-empty string (tokens[].token)');
      }
      this.rolesByHash.set(hash(token), roles ?? [MANAGE_CLUSTERS_ROLE]);
    }
  }

  /** Throws the 401 or 403 this Authorization header earns; returns when it may manage clusters. */
  check(header: string | undefined): void {
    if (!header) throw unauthorized('Missing Authorization header; send `Authorization: Bearer <token>`.');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('The Authorization header must read `Bearer <token>`.');
    const token = match[1]!;
    const roles = this.rolesByHash.get(hash(token));
    if (!roles && UNEXPANDED.test(token)) {
      throw unauthorized(
        `The token is the literal text ${token}: the shell did not expand the variable (single quotes stop it). ` +
          'Quote the header with double quotes: --header "Authorization: Bearer ${IMPLY_TOKEN}".',
      );
    }
    if (!roles) throw unauthorized('The bearer token is not valid for this emulator.');
    if (!roles.includes(MANAGE_CLUSTERS_ROLE)) {
      throw new EmulatorHttpError(
        403,
        'Unauthorized',
        `The token lacks the ${MANAGE_CLUSTERS_ROLE} role; give the OAuth client that role for this environment.`,
      );
    }
  }
}
