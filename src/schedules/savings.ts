import type { NodeGroup } from '../shared/power';
import type { PriceTable } from './prices';
import type { SavingsEvent } from './savings-events';

/**
 * The savings report as a pure function of events: per cluster, the hours it was stopped (from a
 * stop that was done to the next start), priced by its node groups; and the hours keep-alive
 * overrides kept it running when a stop was due (to the next start), charged to who set them.
 */

export interface ClusterSavings {
  clusterId?: string;
  clusterName: string;
  /** What the cluster costs per hour at its latest known node groups. */
  hourlyPrice: number;
  hoursStoppedBySchedule: number;
  savedBySchedule: number;
  hoursStoppedByPeople: number;
  savedByPeople: number;
  keptAliveHours: number;
  keptAliveCost: number;
}

export interface KeepAliveCharge {
  setBy: string;
  clusterName: string;
  overrides: number;
  hours: number;
  cost: number;
}

export interface SavingsReport {
  since: string;
  until: string;
  currency: string;
  clusters: ClusterSavings[];
  keepAlives: KeepAliveCharge[];
  /** Keep-alive cost per person who set overrides. */
  chargedTo: Array<{ setBy: string; hours: number; cost: number }>;
  totals: Omit<ClusterSavings, 'clusterId' | 'clusterName' | 'hourlyPrice'>;
  /** Instance types without a price: their hours count, their cost is left out. */
  unpricedInstanceTypes: string[];
}

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
  const clusters: ClusterSavings[] = [];
  const charges = new Map<string, KeepAliveCharge>();
  for (const clusterEvents of groupByCluster(events)) {
    const last = clusterEvents[clusterEvents.length - 1] as SavingsEvent;
    const known = [...clusterEvents].reverse().find((event) => event.nodes.length > 0)?.nodes ?? [];
    const clusterId = clusterEvents.find((event) => event.clusterId)?.clusterId;
    const row: ClusterSavings = {
      ...(clusterId ? { clusterId } : {}),
      clusterName:
        [...clusterEvents].reverse().find((event) => event.outcome !== 'kept-alive')?.clusterName ??
        last.clusterName,
      hourlyPrice: round(price(known)),
      ...zeroTotals(),
    };
    const close = (open: Open, toMs: number) => {
      const hours = overlapHours(open.fromMs, toMs, range);
      const cost = hours * price(open.nodes.length > 0 ? open.nodes : known);
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
    };
    walk(clusterEvents, close, range.toMs);
    clusters.push(roundRow(row));
  }
  const keepAlives = [...charges.values()].map((charge) => ({
    ...charge,
    hours: round(charge.hours),
    cost: round(charge.cost),
  }));
  return {
    since: window.since,
    until: window.until,
    currency: prices.currency,
    clusters: clusters
      .filter((row) => row.hoursStoppedBySchedule + row.hoursStoppedByPeople + row.keptAliveHours > 0)
      .sort(
        (left, right) =>
          right.savedBySchedule - left.savedBySchedule || left.clusterName.localeCompare(right.clusterName),
      ),
    keepAlives,
    chargedTo: chargedTo(keepAlives),
    totals: totalsOf(clusters),
    unpricedInstanceTypes: [...unpriced].sort(),
  };
}

/** Replays one cluster's events: a done stop opens a stopped interval, a keep-alive skip a kept-alive one; any start closes both. */
function walk(
  events: readonly SavingsEvent[],
  close: (open: Open, toMs: number) => void,
  untilMs: number,
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

/** What the node groups cost per hour; types without a price are noted and count as 0. Pure. */
export function hourlyPrice(
  nodes: readonly NodeGroup[],
  prices: PriceTable,
  unpriced = new Set<string>(),
): number {
  let total = 0;
  for (const group of nodes) {
    const each = prices.hourly[group.instanceType];
    if (each === undefined) unpriced.add(group.instanceType);
    else total += each * group.replicas;
  }
  return total;
}

function overlapHours(fromMs: number, toMs: number, range: { fromMs: number; toMs: number }): number {
  return Math.max(0, Math.min(toMs, range.toMs) - Math.max(fromMs, range.fromMs)) / HOUR_MS;
}

function addCharge(
  charges: Map<string, KeepAliveCharge>,
  setBy: string,
  clusterName: string,
  hours: number,
  cost: number,
): void {
  const key = `${setBy}\u0000${clusterName}`;
  const charge = charges.get(key) ?? { setBy, clusterName, overrides: 0, hours: 0, cost: 0 };
  charge.overrides += 1;
  charge.hours += hours;
  charge.cost += cost;
  charges.set(key, charge);
}

function chargedTo(keepAlives: readonly KeepAliveCharge[]): SavingsReport['chargedTo'] {
  const bySetter = new Map<string, { setBy: string; hours: number; cost: number }>();
  for (const charge of keepAlives) {
    const entry = bySetter.get(charge.setBy) ?? { setBy: charge.setBy, hours: 0, cost: 0 };
    entry.hours = round(entry.hours + charge.hours);
    entry.cost = round(entry.cost + charge.cost);
    bySetter.set(charge.setBy, entry);
  }
  return [...bySetter.values()].sort(
    (left, right) => right.cost - left.cost || left.setBy.localeCompare(right.setBy),
  );
}

function zeroTotals(): SavingsReport['totals'] {
  return {
    hoursStoppedBySchedule: 0,
    savedBySchedule: 0,
    hoursStoppedByPeople: 0,
    savedByPeople: 0,
    keptAliveHours: 0,
    keptAliveCost: 0,
  };
}

function totalsOf(rows: readonly ClusterSavings[]): SavingsReport['totals'] {
  const totals = zeroTotals();
  for (const row of rows)
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += row[key];
  return roundRow(totals);
}

function roundRow<T extends object>(row: T): T {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, typeof value === 'number' ? round(value) : value]),
  ) as T;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
