import type { IncomingMessage, ServerResponse } from 'node:http';
import { isKnownTimeZone } from '../schedules/time-zones';
import { html } from './html';
import { send, WebProblem } from './http-io';
import { identify } from './identity';
import { renderPage } from './layout';
import { filterClusters, readClusters, type ClusterFilters } from './operations-source';
import { renderClustersTable, renderFilters, type OperationsViewer } from './operations-views';
import { mayAct, personOf, requireRole, roleOf } from './roles';
import type { RouteContext } from './routes';
import { sessionCookieValue } from './sessions';

/** The operations pages' frame (viewer, flash, CSP, refresh script) and the clusters view. */

/** The script that refreshes the live parts; served same-origin so the CSP can stay `script-src 'self'`. */
export const OPERATIONS_SCRIPT_PATH = '/static/operations.js';

/** The CSP of the operations pages: the approvals page's, plus this server's own script and fetches. */
export const OPERATIONS_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The operations options, or 503 when the server was started without them. */
export function operationsOf(context: RouteContext) {
  if (!context.operations) {
    throw new WebProblem(
      503,
      'Operations not available',
      'This server was started without Cloud Manager clients: start it with `imply-runbooks web` or the dev stack.',
    );
  }
  return context.operations;
}

/** The viewer of an operations page (403 when web.roles.viewers leaves them out). May start a session. */
export function operationsViewer(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  url: URL,
): OperationsViewer {
  const { user, session } = identify(request, response, context, { mayStartSession: true });
  const role = roleOf(personOf(user, session), context.roleConfig);
  requireRole(role, 'viewer', user);
  const requested = url.searchParams.get('tz')?.trim();
  const timeZone = requested && isKnownTimeZone(requested) ? requested : 'UTC';
  return {
    user,
    csrfToken: session.csrfToken,
    mayOperate: mayAct(role, 'operator'),
    timeZone,
    now: context.now(),
  };
}

/** Takes the session's one-time message (not for the script's refresh, which shows no message). */
export function takeFlash(request: IncomingMessage, context: RouteContext): string | undefined {
  if (request.headers['x-refresh'] !== undefined) return undefined;
  const session = context.sessions.find(sessionCookieValue(request.headers.cookie));
  const flash = session?.flash;
  if (session) delete session.flash;
  return flash;
}

/** Sends an operations page: the layout with the nav, the refresh script and its CSP. */
export function sendOperationsPage(
  response: ServerResponse,
  page: { title: string; user: string; flash?: string; body: ReturnType<typeof html> },
): void {
  const head = html`<script src="${OPERATIONS_SCRIPT_PATH}" defer></script>`;
  send(response, 200, renderPage({ ...page, head, wide: true }), {
    'Content-Security-Policy': OPERATIONS_CSP,
  });
}

function filtersOf(url: URL): ClusterFilters {
  const pick = (name: string) => url.searchParams.get(name)?.trim() || undefined;
  return { environment: pick('environment'), tag: pick('tag'), state: pick('state') };
}

/** GET /clusters: every cluster of every environment, filtered by the query string. Read-only. */
export async function clustersPage(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  url: URL,
) {
  const viewer = operationsViewer(request, response, context, url);
  const operations = operationsOf(context);
  const filters = filtersOf(url);
  const view = await readClusters(operations);
  const rows = filterClusters(view.rows, filters);
  const body = html`<h1>Clusters</h1>
    ${renderFilters(view, filters, Object.keys(operations.apis), viewer.timeZone)}
    <div data-live="clusters" aria-live="polite">${renderClustersTable(rows, view, viewer)}</div>`;
  sendOperationsPage(response, {
    title: 'Clusters',
    user: viewer.user,
    flash: takeFlash(request, context),
    body,
  });
}
