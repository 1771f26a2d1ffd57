import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat webhook on 127.0.0.1 that keeps every JSON message it receives, in order. */
export async function startWebhook<Message = { text: string }>(
  path = '/services/secret-hook',
): Promise<{ url: string; messages: Message[]; server: Server; close(): Promise<void> }> {
  const messages: Message[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      messages.push(JSON.parse(body) as Message);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${port}${path}`, messages, server, close };
}
