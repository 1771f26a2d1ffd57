import net from 'node:net';

/** A local port that something else is already listening on. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    hint: string,
  ) {
    super(`port ${port} on ${host} is in use${hint ? ` (${hint})` : ''}`);
    this.name = 'PortInUseError';
  }
}

function listenOnce(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Asks the kernel for a port that is free right now on `host`. Changes nothing; safe to retry. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = await listenOnce(0, host);
  const address = server.address() as net.AddressInfo;
  await close(server);
  return address.port;
}

/** Tells whether `port` on `host` can be bound now (false when in use). Changes nothing; safe to retry. */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    await close(await listenOnce(port, host));
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') return false;
    throw error;
  }
}

/** Throws a PortInUseError carrying `hint` (what to do) when `port` is taken. Safe to retry. */
export async function assertPortFree(port: number, host: string, hint: string): Promise<void> {
  if (!(await isPortFree(port, host))) throw new PortInUseError(port, host, hint);
}

/** Checks that `port` is a whole number a TCP server can listen on (0 means "pick one"). */
export function assertValidPort(port: number, name: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a whole number from 0 to 65535, got ${String(port)}`);
  }
}
