import type { IncomingMessage, ServerResponse } from 'node:http';
import { formField, readForm, WebProblem } from './http-io';
import { identify, type IdentitySettings } from './identity';
import { originProblem, type Site } from './request-guards';
import { sameSecret, type Session } from './sessions';

/**
 * The checks every form POST of the web server passes before it acts (a decision, a keep-alive, a
 * stop): a session (never started by a POST), a same-site origin, then `beforeForm` (the operations
 * pages' role check, which comes before the form: a viewer's page has no CSRF token to send), then
 * this session's CSRF token. Each refusal is a 403. Reads the form; changes nothing.
 */
export async function guardedForm(
  request: IncomingMessage,
  response: ServerResponse,
  context: IdentitySettings & { site: Site },
  beforeForm: (user: string, session: Session) => void = () => {},
): Promise<{ user: string; session: Session; form: URLSearchParams }> {
  const { user, session } = identify(request, response, context, { mayStartSession: false });
  const crossSite = originProblem(request, context.site);
  if (crossSite) throw new WebProblem(403, 'Refused', `Refused: ${crossSite}.`);
  beforeForm(user, session);
  const form = await readForm(request);
  if (!sameSecret(formField(form, 'csrf') ?? '', session.csrfToken)) {
    throw new WebProblem(
      403,
      'Refused',
      'Refused: the form is stale or was not made by this page: reload and try again.',
    );
  }
  return { user, session, form };
}
