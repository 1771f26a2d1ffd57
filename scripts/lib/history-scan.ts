import type { Client } from '@temporalio/client';

/**
 * Reads workflow histories as the server stores them, field by field: the secret scan greps them for
 * tokens, the encryption test checks that their payloads hold ciphertext only.
 */

export interface HistoryField {
  /** Where in the history: `events[0].workflowExecutionStartedEventAttributes.input.payloads[0].data`. */
  path: string;
  /** The field's text: strings as they are, bytes read as UTF-8. */
  text: string;
}

export interface StoredHistory {
  workflowId: string;
  runId: string;
  history: unknown;
}

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

/** Every string and byte field of a proto object (a history, an event), with its path. Pure. */
export function* fieldsOf(value: unknown, path = ''): Generator<HistoryField> {
  if (typeof value === 'string') {
    yield { path, text: value };
  } else if (isBytes(value)) {
    yield { path, text: Buffer.from(value).toString('utf8') };
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* fieldsOf(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* fieldsOf(item, path ? `${path}.${key}` : key);
  }
}

/** A payload is an object with `data` bytes and a `metadata` map of bytes. */
function isPayload(value: unknown): value is { metadata: Record<string, Uint8Array>; data?: Uint8Array } {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { metadata?: unknown; data?: unknown };
  return (
    candidate.metadata !== null &&
    typeof candidate.metadata === 'object' &&
    (candidate.data === undefined || candidate.data === null || isBytes(candidate.data))
  );
}

/** Every payload of a proto object with its path and encoding. Pure. */
export function* payloadsOf(value: unknown, path = ''): Generator<{ path: string; encoding: string }> {
  if (isPayload(value)) {
    const encoding = value.metadata.encoding;
    yield { path, encoding: encoding ? Buffer.from(encoding).toString('utf8') : '' };
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* payloadsOf(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === 'object' && !isBytes(value)) {
    for (const [key, item] of Object.entries(value)) yield* payloadsOf(item, path ? `${path}.${key}` : key);
  }
}

/**
 * Every workflow the server lists (closed and open), each with its history as stored. Reads only.
 * Listed raw: a memo written through a payload codec (an encrypting worker's) is not decoded, so a
 * scan without the key still reads every history.
 */
export async function* storedHistories(client: Client, query?: string): AsyncGenerator<StoredHistory> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query: query ?? '',
      nextPageToken,
    });
    for (const info of page.executions ?? []) {
      const workflowId = info.execution?.workflowId ?? '';
      const runId = info.execution?.runId ?? '';
      const handle = client.workflow.getHandle(workflowId, runId);
      yield { workflowId, runId, history: await handle.fetchHistory() };
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
}
