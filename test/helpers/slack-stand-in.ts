import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the parts of Slack the product talks to: the Web API methods
 * (chat.postMessage, views.open, users.info under `/api/`) and interaction `response_url`s (under
 * `/hooks/`). It records every call with its headers and JSON body; nothing reaches Slack.
 */

export interface SlackCall {
  path: string;
  authorization?: string;
  body: Record<string, unknown>;
}

export interface SlackStandIn {
  /** `http://127.0.0.1:<port>/api`: the configuration's notifications.slack.apiUrl. */
  apiUrl: string;
  /** A fresh response_url for one interaction. */
  responseUrl(): string;
  calls: SlackCall[];
  /** The calls to one path (`/api/chat.postMessage`, a response_url's path). */
  callsTo(path: string): SlackCall[];
  close(): Promise<void>;
}

export async function startSlackStandIn(emails: Record<string, string> = {}): Promise<SlackStandIn> {
  const calls: SlackCall[] = [];
  let hooks = 0;
  let messages = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // recorded as empty
      }
      calls.push({
        path,
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
        body,
      });
      const json = (value: unknown) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (path.startsWith('/hooks/')) return json({ ok: true });
      if (path === '/api/chat.postMessage')
        return json({ ok: true, channel: body.channel, ts: `1700000000.${++messages}` });
      if (path === '/api/views.open') return json({ ok: true, view: { id: 'V1' } });
      if (path === '/api/users.info') {
        const email = emails[String(body.user)];
        return json(
          email
            ? { ok: true, user: { id: body.user, profile: { email } } }
            : { ok: false, error: 'user_not_found' },
        );
      }
      json({ ok: false, error: 'unknown_method' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/api`,
    responseUrl: () => `${base}/hooks/T0/${++hooks}`,
    calls,
    callsTo: (path) => calls.filter((call) => call.path === path || `${base}${call.path}` === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
