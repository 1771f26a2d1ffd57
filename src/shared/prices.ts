import type { NodeGroup } from './power';

/**
 * Pricing node groups by the hour: shared by the savings report and the monthly cost of change
 * plans (the tables themselves are read in config/prices.ts).
 */

/** What the node groups cost per hour; types without a price are noted and count as 0. Pure. */
export function hourlyPrice(
  nodes: readonly NodeGroup[],
  prices: { hourly: Readonly<Record<string, number>> },
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
