import type { Cluster } from '../cloud-manager/schemas/cluster';
import type { PriceTable } from '../config/prices';
import { hourlyPrice } from '../shared/prices';
import type { PlanCost } from '../shared/approval';
import { HOURS_PER_MONTH } from '../shared/cost';
import { nodeGroupsOf } from './fleet';

const cents = (amount: number) => Math.round(amount * 100) / 100;

/**
 * What the cluster costs a month as it is and as the change leaves it (`after` undefined: deleted,
 * so 0): its node groups priced as the savings report prices them, running all month. Pure.
 */
export function planCost(
  before: Pick<Cluster, 'spec'>,
  after: Pick<Cluster, 'spec'> | undefined,
  prices: PriceTable,
): PlanCost {
  const unpriced = new Set<string>();
  const monthly = (cluster: Pick<Cluster, 'spec'> | undefined) =>
    cluster ? cents(hourlyPrice(nodeGroupsOf(cluster), prices, unpriced) * HOURS_PER_MONTH) : 0;
  const monthlyBefore = monthly(before);
  const monthlyAfter = monthly(after);
  return {
    currency: prices.currency,
    monthlyBefore,
    monthlyAfter,
    monthlyDelta: cents(monthlyAfter - monthlyBefore),
    hoursPerMonth: HOURS_PER_MONTH,
    unpriced: [...unpriced].sort(),
    ...(prices.asOf ? { pricesAsOf: prices.asOf } : {}),
  };
}
