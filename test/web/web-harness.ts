import http from 'node:http';
import { LOCAL_DEFAULTS, type Config } from '../../src/config';
import type { WebLog } from '../../src/observability/web-log';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { FakeTemporal } from './fake-temporal';

/** A real web server on a free loopback port over the fake Temporal, and a raw HTTP client for it. */

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface TestWeb {
  server: RunningWebServer;
  temporal: FakeTemporal;
  logs: string[];
  request(path: string, options?: RequestOptions): Promise<Answer>;
  /** GET with the identity header; returns the session cookie and the page's CSRF token. */
  signInByHeader(user: string, path?: string): Promise<{ cookie: string; csrf: string; page: Answer }>;
  /** POSTs a decision form the way the page's own form does (same Origin, the session's cookie). */
  postDecision(
    runbookId: string,
    fields: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Answer>;
}

/** Sends one request with exactly these headers (Host included), so tests can send what browsers may not. */
export function rawRequest(url: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The session cookie's `name=value` from a Set-Cookie header. */
export function cookieFrom(answer: Answer): string {
  const setCookie = answer.headers['set-cookie']?.[0];
  if (!setCookie) throw new Error(`no Set-Cookie in the answer (HTTP ${answer.status})`);
  return setCookie.split(';')[0]!;
}

/** The CSRF token in a page's first form. */
export function csrfFrom(page: Answer): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page.body);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

/**
 * The built-in defaults behind an auth proxy on this machine: the X-Forwarded-User header is
 * trusted from loopback, where the tests' requests come from. The defaults alone trust no header.
 */
export const BEHIND_LOCAL_PROXY: Config = {
  ...LOCAL_DEFAULTS,
  web: {
    ...LOCAL_DEFAULTS.web,
    identityHeader: 'X-Forwarded-User',
    trustedProxies: ['127.0.0.1/32', '::1/128'],
  },
};

/** Starts the server (behind a local auth proxy unless `config` says otherwise); `close` it in `after`. */
export async function startTestWeb(
  options: {
    config?: Config;
    tokens?: Record<string, string>;
    updateTimeoutMs?: number;
    /** Also gets every log line, with its fields. */
    log?: WebLog;
  } = {},
): Promise<TestWeb> {
  const temporal = new FakeTemporal();
  const logs: string[] = [];
  const server = await startWebServer({
    port: 0,
    client: temporal,
    namespace: 'default',
    config: options.config ?? BEHIND_LOCAL_PROXY,
    tokens: options.tokens,
    log: (line, fields) => {
      logs.push(line);
      options.log?.(line, fields);
    },
    temporal: { updateTimeoutMs: options.updateTimeoutMs },
  });
  const request = (path: string, requestOptions: RequestOptions = {}) =>
    rawRequest(`${server.url}${path}`, requestOptions);
  const web: TestWeb = {
    server,
    temporal,
    logs,
    request,
    async signInByHeader(user, path = '/approvals') {
      const page = await request(path, { headers: { 'X-Forwarded-User': user } });
      return { cookie: cookieFrom(page), csrf: csrfFrom(page), page };
    },
    async postDecision(runbookId, fields, headers = {}) {
      return request(`/approvals/${encodeURIComponent(runbookId)}/decision`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    },
  };
  return web;
}
