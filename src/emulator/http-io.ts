import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorDetail } from '../cloud-manager/schemas/cluster';

/** Reading requests and writing answers in Imply's shapes, for the emulator's plain `http` server. */

/** Bodies above this size answer 413: a cluster spec is a few kilobytes. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** An answer in Imply's error envelope; thrown by handlers, written by the server. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'EmulatorHttpError';
  }

  /** `{ error: { code, message, details } }`, as Imply answers errors. */
  toBody(): { error: { code: string; message: string; details: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** Reads the whole body. Past the limit it keeps draining (so the connection stays usable) and throws 413. */
export function readBody(request: IncomingMessage, limit: number = BODY_LIMIT_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size <= limit) return resolve(Buffer.concat(chunks));
      const message = `the request body is ${size} bytes, above the ${limit}-byte (1 MiB) limit; send a smaller body`;
      reject(new EmulatorHttpError(413, 'PayloadTooLarge', message));
    });
    request.on('error', reject);
  });
}

/** Parses a JSON body; an empty or malformed one is a 400 BadArgument naming the problem. */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    throw new EmulatorHttpError(400, 'BadArgument', 'The request body is empty; send the cluster as JSON.', [
      { code: 'NullValue', target: 'body', message: 'is required' },
    ]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new EmulatorHttpError(400, 'BadArgument', `The request body is not valid JSON: ${reason}.`, [
      { code: 'MalformedValue', target: 'body', message: `is not valid JSON (${reason})` },
    ]);
  }
}

/** The media type of a request without parameters, lower-cased: `application/merge-patch+json`. */
export function mediaType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decodes one path segment; a malformed escape stays as it came (and then matches nothing). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Serializes an answer; `pretty` indents by two spaces, as `?pretty=true` asks. */
export function serialize(body: unknown, pretty: boolean): string {
  return pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body);
}

/** Writes a JSON answer (or an empty one for 204). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  pretty = false,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed) return;
  if (status === 204 || body === undefined) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const text = serialize(body, pretty);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
