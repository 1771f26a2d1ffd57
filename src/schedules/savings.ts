import type { NodeGroup } from '../shared/power';
import { hourlyPrice } from '../shared/prices';
import type { PriceTable } from './prices';
import type { SavingsEvent } from './savings-events';
import {
  addCharge,
  chargedTo,
  roundRow,
  totalsOf,
  zeroTotals,
  type ClusterSavings,
  type KeepAliveCharge,
  type SavingsReport,
} from './savings-totals';

export type { ClusterSavings, KeepAliveCharge, SavingsReport } from './savings-totals';
export { hourlyPrice };

/**
 * The savings report as a pure function of events: per cluster, the hours it was stopped (from a
 * stop that was done to the next start), priced by its node groups; and the hours keep-alive
 * overrides kept it running when a stop was due (to the next start), charged to who set them.
 */

interface Open {
  fromMs: number;
  nodes: NodeGroup[];
  source: SavingsEvent['source'];
  setBy?: string;
}

const HOUR_MS = 3_600_000;

/** Computes the report for [since, until] from every event (including ones before `since`). Pure. */
export function computeSavings(
  events: readonly SavingsEvent[],
  prices: PriceTable,
  window: { since: string; until: string },
): SavingsReport {
  const range = { fromMs: Date.parse(window.since), toMs: Date.parse(window.until) };
  const unpriced = new Set<string>();
  const price = (nodes: NodeGroup[]) => hourlyPrice(nodes, prices, unpriced);
  const charges = new Map<string, KeepAliveCharge>();
  const clusters = groupByCluster(events)
    .map((clusterEvents) => clusterRow(clusterEvents, price, range, charges))
    .filter((row): row is ClusterSavings => row !== undefined)
    .sort(
      (left, right) =>
        right.savedBySchedule - left.savedBySchedule || left.clusterName.localeCompare(right.clusterName),
    );
  const keepAlives = [...charges.values()].map((charge) => roundRow(charge));
  return {
    since: window.since,
    until: window.until,
    currency: prices.currency,
    clusters,
    keepAlives,
    chargedTo: chargedTo(keepAlives),
    totals: totalsOf(clusters),
    unpricedInstanceTypes: [...unpriced].sort(),
  };
}

/** One cluster's row, or undefined when none of its stopped or kept-alive time falls in the window. */
function clusterRow(
  events: SavingsEvent[],
  price: (nodes: NodeGroup[]) => number,
  range: { fromMs: number; toMs: number },
  charges: Map<string, KeepAliveCharge>,
): ClusterSavings | undefined {
  const latest = [...events].reverse();
  const known = latest.find((event) => event.nodes.length > 0)?.nodes ?? [];
  const clusterId = events.find((event) => event.clusterId)?.clusterId;
  const row: ClusterSavings = {
    ...(clusterId ? { clusterId } : {}),
    // Power results carry the name the API reports; a fleet's keep-alive skip the name it selected.
    clusterName: (latest.find((event) => event.outcome !== 'kept-alive') ?? (latest[0] as SavingsEvent))
      .clusterName,
    hourlyPrice: Math.round(price(known) * 10_000) / 10_000,
    ...zeroTotals(),
  };
  let counted = false;
  walk(events, range.toMs, (open, toMs) => {
    const hours = overlapHours(open.fromMs, toMs, range);
    const cost = hours * price(open.nodes.length > 0 ? open.nodes : known);
    counted ||= hours > 0;
    if (open.setBy !== undefined) {
      row.keptAliveHours += hours;
      row.keptAliveCost += cost;
      addCharge(charges, open.setBy, row.clusterName, hours, cost);
    } else if (open.source === 'schedule') {
      row.hoursStoppedBySchedule += hours;
      row.savedBySchedule += cost;
    } else {
      row.hoursStoppedByPeople += hours;
      row.savedByPeople += cost;
    }
  });
  return counted ? roundRow(row, ['hourlyPrice']) : undefined;
}

/** Replays one cluster's events: a done stop opens a stopped interval, a keep-alive skip a kept-alive one; any start closes both. */
function walk(
  events: readonly SavingsEvent[],
  untilMs: number,
  close: (open: Open, toMs: number) => void,
): void {
  let stopped: Open | undefined;
  let keptAlive: Open | undefined;
  let nodes: NodeGroup[] = [];
  for (const event of events) {
    const atMs = Date.parse(event.at);
    if (event.nodes.length > 0) nodes = event.nodes;
    if (event.action === 'start' && event.outcome !== 'failed') {
      if (stopped) close(stopped, atMs);
      if (keptAlive) close(keptAlive, atMs);
      stopped = keptAlive = undefined;
    } else if (event.outcome === 'done') {
      if (keptAlive) close(keptAlive, atMs);
      keptAlive = undefined;
      stopped ??= { fromMs: atMs, nodes, source: event.source };
    } else if (event.outcome === 'kept-alive' && !stopped && !keptAlive) {
      keptAlive = { fromMs: atMs, nodes, source: event.source, setBy: event.keptAliveBy ?? 'unknown' };
    }
  }
  if (stopped) close(stopped, untilMs);
  if (keptAlive) close(keptAlive, untilMs);
}

/** Events per cluster in time order; a name seen with an id joins that id's events. */
function groupByCluster(events: readonly SavingsEvent[]): SavingsEvent[][] {
  const idByName = new Map<string, string>();
  for (const event of events) if (event.clusterId) idByName.set(event.clusterName, event.clusterId);
  const groups = new Map<string, SavingsEvent[]>();
  for (const event of events) {
    const key = event.clusterId ?? idByName.get(event.clusterName) ?? `name:${event.clusterName}`;
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  return [...groups.values()].map((group) =>
    group
      .map((event, index) => ({ event, index }))
      .sort(
        (left, right) => Date.parse(left.event.at) - Date.parse(right.event.at) || left.index - right.index,
      )
      .map(({ event }) => event),
  );
}

function overlapHours(fromMs: number, toMs: number, range: { fromMs: number; toMs: number }): number {
  return Math.max(0, Math.min(toMs, range.toMs) - Math.max(fromMs, range.fromMs)) / HOUR_MS;
}
