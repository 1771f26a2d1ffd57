import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { CloudManagerClient } from '../cloud-manager/client';
import type { Config } from '../config';
import type { WebLog } from '../observability/web-log';
import type { WaitOptions } from '../shared/runbook';
import { authProblem, triggersEnabled, type TriggerSecrets } from './trigger-auth';
import { parseTriggerPayload, PayloadProblem, type ScaleTrigger } from './trigger-payload';
import { submitChange, TriggerRefused } from './submit-change';
import { triggerTarget, type EnvironmentApi } from './trigger-environments';
import { SignatureVerifier } from './trigger-signature';
import { readRawBody, sendJson } from '../web/http-io';

/** `POST /api/triggers/scale` on the web server: JSON in, JSON out, a status for every refusal. */

export const TRIGGER_PATH_PREFIX = '/api/triggers/';
export const SCALE_TRIGGER_PATH = '/api/triggers/scale';
/** An Alertmanager group of 50 alerts is well under this. */
export const TRIGGER_BODY_LIMIT_BYTES = 256 * 1024;

/** What the web server needs to take triggers: the Cloud Manager API (to find clusters) and Temporal. */
export interface TriggerOptions {
  api: CloudManagerClient;
  client: Client;
  taskQueue: string;
  secrets: TriggerSecrets;
  wait?: WaitOptions;
  /** Clients of the named environments a trigger may name (`environment`); default: made from process.env. */
  environmentApi?: EnvironmentApi;
}

export interface TriggerContext extends Partial<TriggerOptions> {
  config: Config;
  log: WebLog;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return readRawBody(
    request,
    TRIGGER_BODY_LIMIT_BYTES,
    () =>
      new HttpProblem(413, `the body is larger than ${TRIGGER_BODY_LIMIT_BYTES / 1024} KiB`, {
        Connection: 'close',
      }),
  );
}

function checkRequest(request: IncomingMessage, context: TriggerContext): void {
  const path = (request.url ?? '').split('?')[0];
  if (path !== SCALE_TRIGGER_PATH) throw new HttpProblem(404, `no such trigger: POST ${SCALE_TRIGGER_PATH}`);
  if (request.method !== 'POST')
    throw new HttpProblem(405, `use POST on ${SCALE_TRIGGER_PATH}`, { Allow: 'POST' });
  if (
    !context.api ||
    !context.client ||
    !context.taskQueue ||
    !context.secrets ||
    !triggersEnabled(context.secrets)
  ) {
    throw new HttpProblem(
      503,
      'change triggers are off on this server: start `imply-runbooks web` with the Cloud Manager API settings ' +
        'and IMPLY_RUNBOOKS_TRIGGER_TOKEN or IMPLY_RUNBOOKS_TRIGGER_SECRET',
    );
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json')
    throw new HttpProblem(415, 'send JSON (Content-Type: application/json)');
}

/** One verifier, so one cache of accepted signatures, per server (its context lives as long as it). */
const verifiers = new WeakMap<TriggerContext, SignatureVerifier>();

function verifierFor(context: TriggerContext): SignatureVerifier | undefined {
  const secret = context.secrets?.hmacSecret;
  if (!secret) return undefined;
  let verifier = verifiers.get(context);
  if (!verifier) {
    verifier = new SignatureVerifier({ secret, toleranceMs: context.secrets?.signatureToleranceMs });
    verifiers.set(context, verifier);
  }
  return verifier;
}

function authenticate(request: IncomingMessage, body: Buffer, context: TriggerContext): void {
  const problem = authProblem(request.headers, body, context.secrets!, verifierFor(context));
  if (!problem) return;
  if (problem.status === 409) {
    context.log(`[web] POST ${SCALE_TRIGGER_PATH} refused (409): ${problem.message}`, { level: 'warn' });
  }
  const headers: Record<string, string> =
    problem.status === 401
      ? { 'WWW-Authenticate': 'Bearer' }
      : problem.retryAfterSeconds !== undefined
        ? { 'Retry-After': String(problem.retryAfterSeconds) }
        : {};
  throw new HttpProblem(problem.status, problem.message, headers);
}

async function submitOne(trigger: ScaleTrigger, context: TriggerContext) {
  try {
    const defaults = { api: context.api!, taskQueue: context.taskQueue! };
    const target = triggerTarget(trigger.environment, defaults, context.config, context.environmentApi);
    const dependencies = { ...target, client: context.client!, config: context.config };
    const { ack } = await submitChange(dependencies, trigger.cluster, trigger.request, context.wait);
    context.log(
      `[web] trigger for ${JSON.stringify(trigger.cluster)} (${trigger.request.source}): ${ack.disposition} ${ack.runbookId}`,
      { runbookId: ack.runbookId, cluster: trigger.cluster },
    );
    return { status: 202, cluster: trigger.cluster, environment: target.environment, ...ack };
  } catch (error) {
    if (!(error instanceof TriggerRefused)) throw error;
    context.log(
      `[web] trigger for ${JSON.stringify(trigger.cluster)} refused (${error.status}): ${error.message}`,
      { cluster: trigger.cluster, level: 'warn' },
    );
    return {
      status: error.status,
      cluster: trigger.cluster,
      refused: error.message,
      ...(error.rule ? { rule: error.rule } : {}),
      ...(error.retryAfterMs !== undefined
        ? { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) }
        : {}),
    };
  }
}

async function answer(request: IncomingMessage, response: ServerResponse, context: TriggerContext) {
  checkRequest(request, context);
  const body = await readBody(request);
  authenticate(request, body, context);
  let parsed;
  try {
    parsed = parseTriggerPayload(JSON.parse(body.toString('utf8')));
  } catch (error) {
    if (error instanceof SyntaxError) throw new HttpProblem(400, 'the body is not valid JSON');
    if (error instanceof PayloadProblem) throw new HttpProblem(400, error.message);
    throw error;
  }
  if (parsed.triggers.length === 0) {
    return sendJson(response, parsed.ignored.every((line) => /not firing/.test(line)) ? 200 : 400, {
      format: parsed.format,
      results: [],
      ignored: parsed.ignored,
    });
  }
  const results = [];
  for (const trigger of parsed.triggers) results.push(await submitOne(trigger, context));
  const accepted = results.find((result) => result.status === 202);
  const status = accepted ? 202 : (results[0]?.status ?? 400);
  const first = results[0];
  const retry: Record<string, string> =
    first && 'retryAfterSeconds' in first ? { 'Retry-After': String(first.retryAfterSeconds) } : {};
  const single = results.length === 1 ? results[0] : {};
  sendJson(
    response,
    status,
    { ...single, format: parsed.format, results, ignored: parsed.ignored },
    accepted ? {} : retry,
  );
}

/** Serves one trigger request; never throws: anything unexpected is a 500 that the server log explains. */
export async function handleTrigger(
  request: IncomingMessage,
  response: ServerResponse,
  context: TriggerContext,
) {
  try {
    await answer(request, response, context);
  } catch (error) {
    if (response.headersSent) return void response.destroy();
    if (error instanceof HttpProblem)
      return sendJson(response, error.status, { error: error.message }, error.headers);
    if (error instanceof TriggerRefused) return sendJson(response, error.status, { error: error.message });
    context.log(`[web] POST ${SCALE_TRIGGER_PATH} failed: ${(error as Error)?.message ?? String(error)}`, {
      level: 'error',
    });
    sendJson(response, 503, {
      error:
        'the trigger could not be handled (Temporal or the Cloud Manager API did not answer); the server log says why',
    });
  }
}
