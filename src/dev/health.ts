import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';

export interface ServingTarget {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  /** Custom search attributes that must be registered in the namespace. */
  searchAttributeNames: string[];
  /** When set, the web UI must answer too. */
  uiUrl?: string;
  /** Epoch milliseconds after which we give up. */
  deadline: number;
  /** Resolves with the error to report if the server process ends while we wait. */
  stopped?: Promise<Error>;
}

const POLL_INTERVAL_MS = 200;
const CALL_TIMEOUT_MS = 5_000;

/**
 * Polls the server until it answers for the namespace, lists the search attributes and (if asked)
 * serves the UI; throws the last problem seen at the deadline. Only reads; safe to retry.
 */
export async function waitUntilServing(target: ServingTarget): Promise<void> {
  const stopped = (target.stopped ?? new Promise<Error>(() => {})).then((error) => {
    throw error;
  });
  stopped.catch(() => {});
  let lastProblem = 'no answer yet';
  while (Date.now() < target.deadline) {
    const problem = await Promise.race([checkServing(target), stopped]);
    if (problem === undefined) return;
    lastProblem = problem;
    await Promise.race([delay(POLL_INTERVAL_MS), stopped]);
  }
  throw new Error(`did not become ready at ${target.address} in time: ${lastProblem}`);
}

/** One health check: undefined when all is in place, else what is missing. Only reads. */
export async function checkServing(target: ServingTarget): Promise<string | undefined> {
  const remaining = Math.max(1, Math.min(CALL_TIMEOUT_MS, target.deadline - Date.now()));
  // No retry interceptor: each poll should fail fast so the loop sees the process state.
  const connection = Connection.lazy({
    address: target.address,
    connectTimeout: remaining,
    interceptors: [],
  });
  try {
    await connection.ensureConnected();
    const within = <T>(call: () => Promise<T>) => connection.withDeadline(Date.now() + CALL_TIMEOUT_MS, call);
    await within(() => connection.workflowService.describeNamespace({ namespace: target.namespace }));
    if (target.searchAttributeNames.length > 0) {
      const listed = await within(() =>
        connection.operatorService.listSearchAttributes({ namespace: target.namespace }),
      );
      const registered = Object.keys(listed.customAttributes ?? {});
      const missing = target.searchAttributeNames.filter((name) => !registered.includes(name));
      if (missing.length > 0) return `search attributes not registered yet: ${missing.join(', ')}`;
    }
    if (target.uiUrl) {
      const response = await fetch(target.uiUrl, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      await response.body?.cancel();
      if (!response.ok) return `web UI at ${target.uiUrl} answered HTTP ${response.status}`;
    }
    return undefined;
  } catch (error) {
    return error instanceof Error ? describeError(error) : String(error);
  } finally {
    await connection.close();
  }
}

function describeError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
