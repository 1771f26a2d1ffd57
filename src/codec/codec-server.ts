import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { CodecAccess } from './codec-access';
import { payloadsBodySchema, payloadsFromJson, payloadsToJson } from './payload-json';

/**
 * The codec endpoint of the Temporal UI and CLI (`/encode`, `/decode`, protobuf JSON): decrypts
 * payloads for people who hold the codec token, from the UI's origin only.
 */

export const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];
/** Temporal keeps a payload under 2 MiB; a page of history holds many. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8888; 0 = any free port. */
  port?: number;
  codec: PayloadCodec;
  /** The bearer token callers must send (IMPLY_RUNBOOKS_CODEC_TOKEN). */
  token: string;
  /** Origins of the Temporal UI; default DEFAULT_UI_ORIGINS. */
  allowedOrigins?: string[];
  /** One line per request: method, path, status, payload count; never a payload or a token. */
  log?: (line: string) => void;
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) : String(body);
  response.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    request.on('end', () =>
      size <= BODY_LIMIT_BYTES
        ? resolve(Buffer.concat(chunks).toString('utf8'))
        : reject(new HttpProblem(413, `the body is ${size} bytes, above the ${BODY_LIMIT_BYTES}-byte limit`)),
    );
    request.on('error', reject);
  });
}

async function transform(request: IncomingMessage, codec: PayloadCodec, action: 'encode' | 'decode') {
  let json: unknown;
  try {
    json = JSON.parse(await readBody(request));
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    throw new HttpProblem(
      400,
      'the body is not JSON: send {"payloads": [{"metadata": {...}, "data": "<base64>"}]}',
    );
  }
  const parsed = payloadsBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpProblem(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  try {
    const payloads = payloadsFromJson(parsed.data);
    return payloadsToJson(await (action === 'encode' ? codec.encode(payloads) : codec.decode(payloads)));
  } catch (error) {
    throw new HttpProblem(400, error instanceof Error ? error.message : String(error));
  }
}

const SIGN_IN_PAGE = `<!doctype html><title>Codec server: sign in</title>
<form method="post"><label>Codec token <input type="password" name="token" autofocus></label>
<button>Sign in</button></form>
<p>Then in the Temporal UI, set the codec endpoint to this server and tick "Include cross-origin credentials".</p>`;

async function signIn(request: IncomingMessage, response: ServerResponse, access: CodecAccess) {
  if (request.method === 'GET') return send(response, 200, SIGN_IN_PAGE, 'text/html');
  if (request.method !== 'POST') throw new HttpProblem(405, 'use GET or POST on /sign-in');
  const token = new URLSearchParams(await readBody(request)).get('token') ?? '';
  if (!access.tokenMatches(token)) return send(response, 401, 'Wrong codec token.', 'text/plain');
  access.startSession(response);
  send(response, 200, 'Signed in: the Temporal UI in this browser can now decode payloads.', 'text/plain');
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  options: CodecServerOptions,
  access: CodecAccess,
) {
  if (!access.allowOrigin(request, response)) {
    throw new HttpProblem(
      403,
      `origin ${request.headers.origin} is not allowed: start the server with --ui-origin ${request.headers.origin}`,
    );
  }
  if (request.method === 'OPTIONS') return send(response, 204, '', 'text/plain');
  // The protocol matches on the last segment only, so the endpoints may sit under any prefix.
  const last = new URL(request.url ?? '/', 'http://codec.invalid').pathname.split('/').filter(Boolean).at(-1);
  if (last === 'sign-in') return signIn(request, response, access);
  if (last !== 'encode' && last !== 'decode')
    throw new HttpProblem(404, 'no such endpoint: POST /encode or /decode');
  if (request.method !== 'POST') throw new HttpProblem(405, `use POST on /${last}`);
  if (!access.authorized(request)) {
    response.setHeader('WWW-Authenticate', 'Bearer');
    throw new HttpProblem(
      401,
      'send Authorization: Bearer <IMPLY_RUNBOOKS_CODEC_TOKEN>, or sign in at /sign-in',
    );
  }
  const body = await transform(request, options.codec, last);
  send(response, 200, body);
  return body.payloads.length;
}

/** Starts the codec server; resolves once it listens. Binds a port: not idempotent; close() it. */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const access = new CodecAccess(options.token, options.allowedOrigins ?? DEFAULT_UI_ORIGINS);
  const server = createServer((request, response) => {
    route(request, response, options, access).then(
      (count) =>
        options.log?.(
          `${request.method} ${request.url} ${response.statusCode}${typeof count === 'number' ? ` (${count} payloads)` : ''}`,
        ),
      (error: unknown) => {
        const problem =
          error instanceof HttpProblem ? error : new HttpProblem(500, 'the codec server failed');
        if (!response.headersSent) send(response, problem.status, { error: problem.message });
        options.log?.(`${request.method} ${request.url} ${problem.status}: ${problem.message}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
