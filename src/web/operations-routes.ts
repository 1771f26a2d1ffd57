import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloudManagerRejected } from '../cloud-manager/errors';
import type { CloudManagerClient } from '../cloud-manager/client';
import { AlreadyRunning, startKeepAlive, startPowerRunbook } from '../operations/cluster-actions';
import { isKnownTimeZone, nextDate, resolveWallTime, wallTimeAt } from '../schedules/time-zones';
import type { PowerAction } from '../shared/power';
import { html } from './html';
import { formField, redirect, send, WebProblem } from './http-io';
import { identify } from './identity';
import { renderPage } from './layout';
import { guardPost } from './operations-guards';
import { filterClusters, readClusters, type ClusterFilters } from './operations-source';
import { renderClustersTable, renderFilters, type OperationsViewer } from './operations-views';
import { mayAct, personOf, requireRole, roleOf } from './roles';
import type { RouteContext } from './routes';
import { sessionCookieValue } from './sessions';

/** The operations page's clusters view and its keep-alive, stop and start forms. */

/** The script that refreshes the live parts; served same-origin so the CSP can stay `script-src 'self'`. */
export const OPERATIONS_SCRIPT_PATH = '/static/operations.js';

/** The CSP of the operations pages: the approvals page's, plus this server's own script and fetches. */
export const OPERATIONS_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const REASON_LIMIT = 500;

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

function apiOf(context: RouteContext, environment: string): CloudManagerClient {
  const api = operationsOf(context).apis[environment];
  if (!api) throw new WebProblem(404, 'No such environment', `There is no environment ${environment}.`);
  if ('problem' in api) throw new WebProblem(503, 'Environment unavailable', api.problem);
  return api;
}

/** When a keep-alive preset ends: 2 h or 4 h from now, or tomorrow 09:00 in `timeZone`. Pure. */
export function keepAliveUntil(preset: string, now: Date, timeZone: string): Date {
  if (preset === '2h' || preset === '4h') return new Date(now.getTime() + Number(preset[0]) * 3_600_000);
  if (preset !== 'tomorrow-09') {
    throw new WebProblem(400, 'Bad form', 'The form field "preset" must be 2h, 4h or tomorrow-09.');
  }
  const today = wallTimeAt(now.getTime(), timeZone);
  return new Date(resolveWallTime(nextDate(today), 9, 0, timeZone).instantMs);
}

function reasonOf(form: URLSearchParams, required: boolean): string | undefined {
  const reason = (formField(form, 'reason') ?? '').trim();
  if (reason.length > REASON_LIMIT || /\p{Cc}/u.test(reason)) {
    throw new WebProblem(
      400,
      'Bad form',
      `The reason must be one line of at most ${REASON_LIMIT} characters.`,
    );
  }
  if (required && !reason) {
    throw new WebProblem(
      400,
      'Reason needed',
      'Say why the cluster must stay up: write a reason and send again.',
    );
  }
  return reason || undefined;
}

/**
 * POST /clusters/<environment>/<uid>/keep-alive or …/power: checks the sender (session, origin,
 * CSRF, operator role), then starts the keep-alive or the power runbook as that user. Not idempotent.
 */
export async function clusterAction(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  target: { environment: string; clusterId: string; action: string },
) {
  const { user, form } = await guardPost(request, response, context, 'operator');
  const operations = operationsOf(context);
  const api = apiOf(context, target.environment);
  const cluster = await api.getCluster(target.clusterId).catch((error) => {
    if (error instanceof CloudManagerRejected && error.status === 404) {
      throw new WebProblem(
        404,
        'No such cluster',
        `There is no cluster ${target.clusterId} in ${target.environment}.`,
      );
    }
    throw error;
  });
  const name = cluster.metadata.name;
  const place = { environment: target.environment, baseTaskQueue: operations.baseTaskQueue };
  const log = (line: string, runbookId: string) => context.log(`[web] ${user} ${line}`, { runbookId, user });
  try {
    if (target.action === 'keep-alive') {
      const zone = formField(form, 'tz') ?? 'UTC';
      const until = keepAliveUntil(
        formField(form, 'preset') ?? '',
        context.now(),
        isKnownTimeZone(zone) ? zone : 'UTC',
      );
      const reason = reasonOf(form, true) as string;
      const override = {
        clusterId: target.clusterId,
        clusterName: name,
        until: until.toISOString(),
        reason,
        setBy: user,
        setAt: context.now().toISOString(),
      };
      const runbookId = await startKeepAlive(operations.client, override, place);
      log(`kept ${name} alive until ${override.until}: ${reason}`, runbookId);
      setFlash(
        request,
        context,
        `${name} stays up through scheduled stops until ${override.until} (${runbookId}).`,
      );
    } else {
      const action = formField(form, 'action');
      if (action !== 'stop' && action !== 'start') {
        throw new WebProblem(400, 'Bad form', 'The form field "action" must be stop or start.');
      }
      const reason = reasonOf(form, false);
      const input = {
        clusterId: target.clusterId,
        action: action as PowerAction,
        requester: user,
        source: 'person' as const,
        reason: reason ?? 'from the operations page',
      };
      const handle = await startPowerRunbook(operations.client, input, name, place);
      log(`started ${action} of ${name}`, handle.workflowId);
      setFlash(request, context, `Started ${handle.workflowId}: ${action} ${name}.`);
    }
  } catch (error) {
    if (error instanceof AlreadyRunning)
      throw new WebProblem(409, 'Busy', `${error.message}: see /runbooks.`);
    throw error;
  }
  redirect(response, '/clusters');
}

function setFlash(request: IncomingMessage, context: RouteContext, message: string): void {
  const session = context.sessions.find(sessionCookieValue(request.headers.cookie));
  if (session) session.flash = message;
}
