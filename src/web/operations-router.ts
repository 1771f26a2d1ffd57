import type { IncomingMessage, ServerResponse } from 'node:http';
import { send, WebProblem } from './http-io';
import { clusterAction } from './cluster-forms';
import { clustersPage, OPERATIONS_SCRIPT_PATH } from './operations-routes';
import { OPERATIONS_SCRIPT } from './operations-script';
import { runbooksPage } from './runbooks-page';
import { savingsPage } from './savings-page';
import type { RouteContext } from './routes';
import { scheduleAction, schedulesPage } from './schedules-page';

/** Which operations page or form a path names: /clusters, /runbooks, /schedules and their POSTs. */

export const OPERATIONS_PAGES = new Set(['clusters', 'runbooks', 'schedules', 'savings', 'static']);

const SEGMENT = /^[A-Za-z0-9._:@-]{1,200}$/;

function segment(text: string | undefined): string {
  let value: string;
  try {
    value = decodeURIComponent(text ?? '');
  } catch {
    throw new WebProblem(400, 'Bad address', 'The address is not valid URL encoding.');
  }
  if (!SEGMENT.test(value))
    throw new WebProblem(400, 'Bad address', 'The address does not name a cluster or schedule.');
  return value;
}

function expect(method: string, allowed: string): void {
  if (method !== allowed) {
    throw new WebProblem(405, 'Method not allowed', `Use ${allowed} here.`, { Allow: allowed });
  }
}

/** Routes one operations request; throws WebProblem 404 for anything else under these names. */
export async function operationsRoute(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  url: URL,
  parts: string[],
): Promise<void> {
  const method = request.method ?? 'GET';
  const page = parts[0];
  if (url.pathname === OPERATIONS_SCRIPT_PATH) {
    expect(method, 'GET');
    return send(response, 200, OPERATIONS_SCRIPT, { 'Content-Type': 'text/javascript; charset=utf-8' });
  }
  if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) {
    expect(method, 'GET');
    if (page === 'clusters') return clustersPage(request, response, context, url);
    if (page === 'runbooks') return runbooksPage(request, response, context, url);
    if (page === 'schedules') return schedulesPage(request, response, context, url);
    if (page === 'savings') return savingsPage(request, response, context, url);
  }
  if (page === 'clusters' && parts.length === 4 && (parts[3] === 'keep-alive' || parts[3] === 'power')) {
    expect(method, 'POST');
    const target = { environment: segment(parts[1]), clusterId: segment(parts[2]), action: parts[3] };
    return clusterAction(request, response, context, target);
  }
  if (page === 'schedules' && parts.length === 3 && (parts[2] === 'pause' || parts[2] === 'unpause')) {
    expect(method, 'POST');
    return scheduleAction(request, response, context, { name: segment(parts[1]), action: parts[2] });
  }
  throw new WebProblem(404, 'Not found', 'There is no such page: see /clusters, /runbooks and /schedules.');
}
