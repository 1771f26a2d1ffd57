import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { shellQuote } from '../shared/terminal-text';

/**
 * Registers the product's search attributes in a namespace unless they are there already. Safe to
 * repeat. Temporal Cloud refuses this call: there an operator adds them once (the error says how).
 */
export async function ensureSearchAttributes(connection: ConnectionLike, namespace: string): Promise<void> {
  const known = await listSearchAttributeNames(connection, namespace);
  const missing = Object.values(SEARCH_ATTRIBUTES).filter((key) => !known.has(key.name));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
  } catch (error) {
    const names = missing.map((key) => `${key.name}=Keyword`).join(' ');
    throw new Error(
      `namespace "${namespace}" lacks the search attributes ${names} and they could not be added ` +
        `(${(error as Error).message}). Add them once: ` +
        searchAttributeCommand(
          namespace,
          missing.map((key) => key.name),
        ),
    );
  }
}

/** The command an operator runs once to add `missing` (names) to a namespace. Pure. */
export function searchAttributeCommand(namespace: string, missing: readonly string[]): string {
  return (
    `temporal operator search-attribute create --namespace ${shellQuote(namespace)} ` +
    missing.map((name) => `--name ${name} --type Keyword`).join(' ')
  );
}

/**
 * Runs a visibility read; when it fails and the namespace lacks the product's search attributes,
 * throws an error naming the missing ones and the command that registers them. Reads only.
 */
export async function withSearchAttributes<T>(
  connection: ConnectionLike,
  namespace: string,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const known = await listSearchAttributeNames(connection, namespace).catch(() => undefined);
    const missing = Object.values(SEARCH_ATTRIBUTES)
      .map((key) => key.name)
      .filter((name) => known !== undefined && !known.has(name));
    if (missing.length === 0) throw error;
    throw new Error(
      `namespace "${namespace}" lacks the search attributes ${missing.join(', ')} that runbooks are listed by ` +
        `(${(error as Error).message}). Register them once: ${searchAttributeCommand(namespace, missing)} ` +
        '(starting any runbook with this CLI also adds them where the server allows it)',
    );
  }
}

/** Names of the custom search attributes; empty where the server cannot list them (the time-skipping test server). */
async function listSearchAttributeNames(connection: ConnectionLike, namespace: string): Promise<Set<string>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (error) {
    if ((error as { code?: number }).code === UNIMPLEMENTED) return new Set();
    throw error;
  }
}

const UNIMPLEMENTED = 12;
