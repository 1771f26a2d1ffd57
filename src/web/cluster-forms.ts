import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloudManagerRejected } from '../cloud-manager/errors';
import type { CloudManagerClient } from '../cloud-manager/client';
import {
  AlreadyRunning,
  startKeepAlive,
  startPowerRunbook,
  type StartPlace,
} from '../operations/cluster-actions';
import { isKnownTimeZone, nextDate, resolveWallTime, wallTimeAt } from '../schedules/time-zones';
import type { PowerAction } from '../shared/power';
import { formField, redirect, WebProblem } from './http-io';
import { guardPost } from './operations-guards';
import { operationsOf } from './operations-routes';
import type { RouteContext } from './routes';
import { sessionCookieValue } from './sessions';

/** The clusters view's forms: keep-alive until a preset time, and stop or start through the power runbook. */

const REASON_LIMIT = 500;

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

interface ActionContext {
  request: IncomingMessage;
  context: RouteContext;
  form: URLSearchParams;
  user: string;
  clusterId: string;
  name: string;
  place: StartPlace;
}

function logAction(action: ActionContext, line: string, runbookId: string): void {
  action.context.log(`[web] ${action.user} ${line}`, { runbookId, user: action.user });
}

async function keepAlive(action: ActionContext): Promise<void> {
  const { context, form, name } = action;
  const zone = formField(form, 'tz') ?? 'UTC';
  const until = keepAliveUntil(
    formField(form, 'preset') ?? '',
    context.now(),
    isKnownTimeZone(zone) ? zone : 'UTC',
  );
  const reason = reasonOf(form, true) as string;
  const override = {
    clusterId: action.clusterId,
    clusterName: name,
    until: until.toISOString(),
    reason,
    setBy: action.user,
    setAt: context.now().toISOString(),
  };
  const runbookId = await startKeepAlive(operationsOf(context).client, override, action.place);
  logAction(action, `kept ${name} alive until ${override.until}: ${reason}`, runbookId);
  setFlash(action, `${name} stays up through scheduled stops until ${override.until} (${runbookId}).`);
}

async function power(action: ActionContext): Promise<void> {
  const powerAction = formField(action.form, 'action');
  if (powerAction !== 'stop' && powerAction !== 'start') {
    throw new WebProblem(400, 'Bad form', 'The form field "action" must be stop or start.');
  }
  const input = {
    clusterId: action.clusterId,
    action: powerAction as PowerAction,
    requester: action.user,
    source: 'person' as const,
    reason: reasonOf(action.form, false) ?? 'from the operations page',
  };
  const handle = await startPowerRunbook(
    operationsOf(action.context).client,
    input,
    action.name,
    action.place,
  );
  logAction(action, `started ${powerAction} of ${action.name}`, handle.workflowId);
  setFlash(action, `Started ${handle.workflowId}: ${powerAction} ${action.name}.`);
}

/**
 * POST /clusters/<environment>/<uid>/keep-alive or …/power: checks the sender (session, origin, role,
 * CSRF), then starts the keep-alive or the power runbook as that user. Not idempotent: a second
 * start while the first runs is refused (409).
 */
export async function clusterAction(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  target: { environment: string; clusterId: string; action: string },
) {
  const { user, form } = await guardPost(request, response, context, 'operator');
  const cluster = await apiOf(context, target.environment)
    .getCluster(target.clusterId)
    .catch((error) => {
      if (error instanceof CloudManagerRejected && error.status === 404) {
        throw new WebProblem(
          404,
          'No such cluster',
          `There is no cluster ${target.clusterId} in ${target.environment}.`,
        );
      }
      throw error;
    });
  const place = { environment: target.environment, baseTaskQueue: operationsOf(context).baseTaskQueue };
  const action = {
    request,
    context,
    form,
    user,
    clusterId: target.clusterId,
    name: cluster.metadata.name,
    place,
  };
  try {
    await (target.action === 'keep-alive' ? keepAlive(action) : power(action));
  } catch (error) {
    if (error instanceof AlreadyRunning)
      throw new WebProblem(409, 'Busy', `${error.message}: see /runbooks.`);
    throw error;
  }
  redirect(response, '/clusters');
}

function setFlash(action: ActionContext, message: string): void {
  const session = action.context.sessions.find(sessionCookieValue(action.request.headers.cookie));
  if (session) session.flash = message;
}
