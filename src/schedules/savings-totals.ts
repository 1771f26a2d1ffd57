/** The savings report's shapes and the sums over its rows. Pure. */

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

/** Adds one keep-alive interval to the charge of who set it on that cluster. */
export function addCharge(
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

/** Keep-alive cost per person, highest first. Pure. */
export function chargedTo(keepAlives: readonly KeepAliveCharge[]): SavingsReport['chargedTo'] {
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

/** A row of sums, all 0. Pure. */
export function zeroTotals(): SavingsReport['totals'] {
  return {
    hoursStoppedBySchedule: 0,
    savedBySchedule: 0,
    hoursStoppedByPeople: 0,
    savedByPeople: 0,
    keptAliveHours: 0,
    keptAliveCost: 0,
  };
}

/** The sums over the cluster rows. Pure. */
export function totalsOf(rows: readonly ClusterSavings[]): SavingsReport['totals'] {
  const totals = zeroTotals();
  for (const row of rows)
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += row[key];
  return roundRow(totals);
}

/** Hours and money to two decimals, as people read them; `keep` names fields already rounded. Pure. */
export function roundRow<T extends object>(row: T, keep: string[] = []): T {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key,
      typeof value === 'number' && !keep.includes(key) ? round(value) : value,
    ]),
  ) as T;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
