import type { IncomingMessage, ServerResponse } from 'node:http';
import { formField, readForm, WebProblem } from './http-io';
import { identify, type IdentitySettings } from './identity';
import { originProblem, type Site } from './request-guards';
import { personOf, requireRole, roleOf, type Role, type RoleConfig } from './roles';
import { sameSecret, type Session } from './sessions';

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
  const { user, session } = identify(request, response, context, { mayStartSession: false });
  const crossSite = originProblem(request, context.site);
  if (crossSite) throw new WebProblem(403, 'Refused', `Refused: ${crossSite}.`);
  // The role before the form: a viewer's page carries no form, so no CSRF token to send.
  const role = roleOf(personOf(user, session), context.roleConfig);
  requireRole(role, needed, user);
  const form = await readForm(request);
  if (!sameSecret(formField(form, 'csrf') ?? '', session.csrfToken)) {
    throw new WebProblem(
      403,
      'Refused',
      'Refused: the form is stale or was not made by this page: reload and try again.',
    );
  }
  return { user, session, role, form };
}
