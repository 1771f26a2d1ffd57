import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServerOptions {
  /** `host:port` (`0.0.0.0:8081`); port 0 picks a free one (tests). */
  address: string;
  /** The state to report; healthy answers 200, anything else 503. */
  check: () => { healthy: boolean; state: string };
}

export interface RunningHealthServer {
  /** `http://host:port`, with the port it really listens on. */
  url: string;
  /** Stops listening. Safe to call twice. */
  close(): Promise<void>;
}

function splitAddress(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(separator + 1)) };
}

function answer(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(`${JSON.stringify(body)}\n`);
}

/**
 * Serves `GET /healthz`: 200 `{"status":"ok","state":"RUNNING"}` while the check passes, 503 otherwise.
 * For Docker health checks and orchestrators. Binds a port: not idempotent.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<RunningHealthServer> {
  const { host, port } = splitAddress(options.address);
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/healthz')
      return answer(response, 404, { error: 'not found: the health check is /healthz' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return answer(response, 405, { error: 'use GET' });
    }
    const { healthy, state } = options.check();
    answer(response, healthy ? 200 : 503, { status: healthy ? 'ok' : 'unavailable', state });
  });
  const listening = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === 'EADDRINUSE'
          ? ': the port is in use, set IMPLY_RUNBOOKS_HEALTH_ADDRESS to another'
          : '';
      reject(
        new Error(
          `cannot serve the health endpoint on ${options.address}${hint} (${error.code ?? error.message})`,
        ),
      );
    });
    server.listen({ host, port }, () => resolve(server.address() as AddressInfo));
  });
  const shownHost = listening.family === 'IPv6' ? `[${listening.address}]` : listening.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${listening.port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
