import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { FleetSummary, PowerResult } from '../shared/power';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { eventFromPowerResult, keptAliveEventsFromFleet, type SavingsEvent } from './savings-events';

/**
 * Where the savings report's figures come from: Temporal visibility, no side database. Closed power
 * runbooks (`ImplyRunbookKind = 'power'`) give each stop and start with the cluster's node groups;
 * closed fleet runs give the stops a keep-alive override cancelled.
 */

/** A cluster stopped this long before `--since` still counts from `--since` on. */
export const LOOKBACK_MS = 31 * 86_400_000;

export interface SavingsSource {
  events: SavingsEvent[];
  /** How many closed runbooks were read (power and fleet). */
  runsRead: number;
}

/** Reads the results of completed power and fleet runbooks closed since `sinceMs - LOOKBACK_MS`. Read-only. */
export async function readSavingsEvents(
  client: Client,
  sinceMs: number,
  concurrency = 8,
): Promise<SavingsSource> {
  const closedSince = new Date(sinceMs - LOOKBACK_MS).toISOString();
  const query = (kind: string) =>
    `${SEARCH_ATTRIBUTES.kind.name} = '${kind}' AND ExecutionStatus = 'Completed' AND CloseTime >= '${closedSince}'`;
  const powerRuns = await listAll(client, query('power'));
  const fleetRuns = await listAll(client, query('fleet'));
  const powerResults = await mapPool(powerRuns, concurrency, (run) => resultOf<PowerResult>(client, run));
  const fleetResults = await mapPool(fleetRuns, concurrency, (run) => resultOf<FleetSummary>(client, run));
  const events = [
    ...powerResults.filter(isPowerResult).map(eventFromPowerResult),
    ...fleetResults.filter(isFleetSummary).flatMap(keptAliveEventsFromFleet),
  ];
  return { events, runsRead: powerRuns.length + fleetRuns.length };
}

async function listAll(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({ query })) runs.push(run);
  return runs;
}

async function resultOf<T>(client: Client, run: WorkflowExecutionInfo): Promise<T | undefined> {
  try {
    return (await client.workflow.getHandle(run.workflowId, run.runId).result()) as T;
  } catch {
    // Gone past retention between the list and the read: the report covers what Temporal still holds.
    return undefined;
  }
}

function isPowerResult(value: PowerResult | undefined): value is PowerResult {
  return typeof value?.clusterId === 'string' && (value.action === 'stop' || value.action === 'start');
}

function isFleetSummary(value: FleetSummary | undefined): value is FleetSummary {
  return Array.isArray(value?.skipped) && typeof value?.startedAt === 'string';
}

/** Runs `work` over items with at most `limit` at once, keeping the order. */
async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++)
      results[index] = await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
