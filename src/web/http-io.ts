import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderProblem } from './layout';

/** Reading forms and writing pages for the web server, with the same safety headers on every answer. */

/** A decision form is well under a kilobyte; anything near this is not one. */
export const FORM_LIMIT_BYTES = 16 * 1024;

/** A refusal that becomes an HTML page with this status; thrown by handlers, written by the server. */
export class WebProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'WebProblem';
  }
}

const SAFETY_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

/** Writes a complete answer with the safety headers; `headers` may override them. */
export function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  const type = { 'Content-Type': 'text/html; charset=utf-8' };
  response.writeHead(status, { ...SAFETY_HEADERS, ...type, ...headers });
  response.end(body);
}

/** Writes a problem as a page naming what went wrong and what to do. */
export function sendProblem(response: ServerResponse, problem: WebProblem, user?: string): void {
  send(response, problem.status, renderProblem(problem.title, problem.message, user), problem.headers);
}

/** 303 See Other to a path of this site. */
export function redirect(response: ServerResponse, location: string, headers: Record<string, string> = {}) {
  send(response, 303, '', { ...headers, Location: location });
}

/** Reads a urlencoded form of at most FORM_LIMIT_BYTES; throws 415 or 413 otherwise. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new WebProblem(
      415,
      'Not a form',
      'Send the decision as an HTML form (application/x-www-form-urlencoded).',
    );
  }
  const body = await readRawBody(request, FORM_LIMIT_BYTES, tooLarge);
  return new URLSearchParams(body.toString('utf8'));
}

function tooLarge(): WebProblem {
  return new WebProblem(
    413,
    'Form too large',
    `The form is larger than ${FORM_LIMIT_BYTES / 1024} KiB; keep the comment under 2,000 characters.`,
    { Connection: 'close' },
  );
}

/** The one value of a form field; a repeated field is refused, a missing one is undefined. */
export function formField(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1)
    throw new WebProblem(400, 'Bad form', `The form field "${name}" appears more than once.`);
  return values[0];
}

/** Reads a request's body of at most `limitBytes`, throwing `tooLarge()` beyond it (declared or sent). */
export async function readRawBody(
  request: IncomingMessage,
  limitBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Writes a JSON answer (an API's, not a page's): no caching, no sniffing. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  response.end(`${JSON.stringify(body)}\n`);
}
