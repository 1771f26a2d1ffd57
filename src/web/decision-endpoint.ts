import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { WebLog } from '../observability/web-log';
import type { DecisionRequest } from '../shared/approval';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../triggers/trigger-auth';
import { SignatureVerifier } from '../triggers/trigger-signature';
import type { ApprovalsSource, DecisionResult } from './approvals-source';
import { readRawBody, sendJson } from './http-io';

/**
 * `POST /api/decisions`: the one decision endpoint for chat tools (Microsoft Teams, Mattermost, a
 * bot of your own). A request is signed like a trigger (HMAC-SHA256 of `v1:<timestamp>:<body>` keyed
 * with IMPLY_RUNBOOKS_DECISION_SECRET, replay-proof) and names the person who decided: the
 * integration vouches for them, as the page vouches for a signed-in user. The decision then goes
 * through the approvals module like the page's and the CLI's (one update id per decider, decision
 * and plan), so four eyes, quorum and plan versions hold as everywhere. Slack's handler calls
 * `takeChatDecision` too, after checking Slack's own signature.
 */

export const DECISIONS_PATH = '/api/decisions';
export const DECISION_SECRET_VARIABLE = 'IMPLY_RUNBOOKS_DECISION_SECRET';
const BODY_LIMIT_BYTES = 16 * 1024;
const COMMENT_LIMIT = 2000;

/** A decision from a chat tool, after the tool is authenticated. */
export interface ChatDecision {
  runbookId: string;
  planVersion: number;
  decision: 'approve' | 'reject';
  /** The person, as the configuration's approver groups name them. */
  decider: string;
  comment?: string;
  /** For the audit: `slack`, `chat-teams` (the gate keeps a-z and dashes, up to 32). */
  authenticatedBy: string;
}

export interface ChatDecisionContext {
  source: ApprovalsSource;
  log: WebLog;
}

/** Sends a chat tool's decision through the approvals module and logs the outcome. */
export async function takeChatDecision(
  context: ChatDecisionContext,
  decision: ChatDecision,
): Promise<DecisionResult> {
  const request: DecisionRequest = {
    decider: decision.decider,
    decision: decision.decision,
    planVersion: decision.planVersion,
    ...(decision.comment ? { comment: decision.comment } : {}),
    authenticatedBy: decision.authenticatedBy,
  };
  const result = await context.source.decide(decision.runbookId, request);
  const what = `${decision.decider} ${decision.decision} ${decision.runbookId} plan v${decision.planVersion} (${decision.authenticatedBy})`;
  const fields = { runbookId: decision.runbookId, user: decision.decider };
  if (result.ok) {
    const { ack } = result;
    context.log(`[web] ${what}: accepted, gate ${ack.state} (${ack.approvals} of ${ack.required})`, fields);
  } else {
    context.log(`[web] ${what}: refused (${result.status}): ${result.reason}`, { ...fields, level: 'warn' });
  }
  return result;
}

const personName = z
  .string({ error: 'must be the name of the person who decided, as the approver groups list them' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' })
  .regex(/^[^\p{Cc}]+$/u, { error: 'must not hold control characters' });

const decisionBodySchema = z
  .strictObject({
    runbookId: z.string({ error: 'must be the runbook id' }).min(1).max(1000),
    planVersion: z
      .number({ error: 'must be the plan version the person saw (1 or more)' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be 1 or more' }),
    decision: z.enum(['approve', 'reject'], { error: 'must be approve or reject' }),
    decider: personName,
    comment: z
      .string()
      .max(COMMENT_LIMIT, { error: `must be at most ${COMMENT_LIMIT} characters` })
      .optional(),
    /** Which integration sent it, for the audit (`teams` → `chat-teams`): a-z and dashes. */
    via: z
      .string()
      .regex(/^[a-z-]{1,27}$/, { error: 'must be a short name such as teams (a-z and -, at most 27)' })
      .optional(),
  })
  .refine((body) => body.decision !== 'reject' || (body.comment ?? '').trim() !== '', {
    message: 'a rejection needs a reason: give it in comment',
    path: ['comment'],
  });

export interface DecisionEndpointOptions extends ChatDecisionContext {
  /** Checks signatures with IMPLY_RUNBOOKS_DECISION_SECRET; absent: the endpoint answers 503. */
  verifier?: SignatureVerifier;
}

/** The endpoint's signature checker from the environment, or undefined when the secret is unset. */
export function decisionVerifierFromEnv(env: NodeJS.ProcessEnv = process.env): SignatureVerifier | undefined {
  const secret = env[DECISION_SECRET_VARIABLE]?.trim();
  if (!secret) return undefined;
  if (secret.length < 32) {
    throw new Error(
      `${DECISION_SECRET_VARIABLE} is ${secret.length} characters: use at least 32 (openssl rand -hex 32)`,
    );
  }
  return new SignatureVerifier({ secret, secretVariable: DECISION_SECRET_VARIABLE, what: 'decision' });
}

class EndpointProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Handles `POST /api/decisions`: JSON in, JSON out, a status and a reason for every refusal. */
export async function handleDecisionEndpoint(
  request: IncomingMessage,
  response: ServerResponse,
  options: DecisionEndpointOptions,
): Promise<void> {
  try {
    if (request.method !== 'POST')
      throw new EndpointProblem(405, `use POST ${DECISIONS_PATH}`, { Allow: 'POST' });
    if (!options.verifier) {
      throw new EndpointProblem(503, `this server takes no chat decisions: set ${DECISION_SECRET_VARIABLE}`);
    }
    const body = await readRawBody(
      request,
      BODY_LIMIT_BYTES,
      () =>
        new EndpointProblem(413, `the body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`, {
          Connection: 'close',
        }),
    );
    const signature = single(request.headers[SIGNATURE_HEADER])?.trim();
    if (!signature) {
      throw new EndpointProblem(
        401,
        `sign the request: X-Imply-Runbooks-Timestamp and X-Imply-Runbooks-Signature (sha256= HMAC-SHA256 of "v1:<timestamp>:<body>" keyed with ${DECISION_SECRET_VARIABLE})`,
      );
    }
    const auth = options.verifier.check(signature, single(request.headers[TIMESTAMP_HEADER]), body);
    if (auth) {
      const headers: Record<string, string> =
        auth.retryAfterSeconds !== undefined ? { 'Retry-After': String(auth.retryAfterSeconds) } : {};
      throw new EndpointProblem(auth.status, auth.message, headers);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new EndpointProblem(400, 'the body is not JSON');
    }
    const parsed = decisionBodySchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
      );
      throw new EndpointProblem(400, problems.join('; '));
    }
    const { via, comment, ...rest } = parsed.data;
    const result = await takeChatDecision(options, {
      ...rest,
      ...(comment?.trim() ? { comment: comment.trim() } : {}),
      authenticatedBy: `chat-${via ?? 'integration'}`,
    });
    if (!result.ok) return sendJson(response, result.status, { accepted: false, reason: result.reason });
    sendJson(response, 200, result.ack);
  } catch (error) {
    if (error instanceof EndpointProblem) {
      return sendJson(response, error.status, { accepted: false, reason: error.message }, error.headers);
    }
    options.log(`[web] POST ${DECISIONS_PATH} failed: ${(error as Error).message}`, { level: 'error' });
    sendJson(response, 500, { accepted: false, reason: 'the server failed; its log says why' });
  }
}
