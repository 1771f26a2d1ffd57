import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';

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
        `(${(error as Error).message}). Add them once: temporal operator search-attribute create --namespace ${namespace} ` +
        missing.map((key) => `--name ${key.name} --type Keyword`).join(' '),
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
