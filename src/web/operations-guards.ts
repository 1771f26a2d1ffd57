import type { IncomingMessage, ServerResponse } from 'node:http';
import { guardedForm } from './form-guard';
import type { IdentitySettings } from './identity';
import type { Site } from './request-guards';
import { personOf, requireRole, roleOf, type Role, type RoleConfig } from './roles';
import type { Session } from './sessions';

/** The checks every operations POST passes before anything starts: session, origin, CSRF, role. */

export interface GuardContext extends IdentitySettings {
  site: Site;
  roleConfig: RoleConfig;
}

export interface Guarded {
  user: string;
  session: Session;
  role: Role;
  form: URLSearchParams;
}

/**
 * Refuses (403) a POST without a session, from another origin, from someone whose role is below
 * `needed`, or without this session's CSRF token. Reads the form; changes nothing.
 */
export async function guardPost(
  request: IncomingMessage,
  response: ServerResponse,
  context: GuardContext,
  needed: 'operator' | 'approver',
): Promise<Guarded> {
  let role: Role = 'viewer';
  const { user, session, form } = await guardedForm(request, response, context, (who, session) => {
    role = roleOf(personOf(who, session), context.roleConfig);
    requireRole(role, needed, who);
  });
  return { user, session, role, form };
}
