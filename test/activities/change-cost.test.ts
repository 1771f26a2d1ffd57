import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { planCost } from '../../src/activities/change-cost';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import { loadPrices, mergePrices, parsePriceTable } from '../../src/schedules/prices';
import { costLine } from '../../src/shared/cost';

/** Plans' monthly costs with the default (example) prices: m5.xlarge 0.192, r5.xlarge 0.252, t2.small 0.023 an hour. */

const PRICES = loadPrices();
const TUTORIAL = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8')) as ClusterRequest;

/** The tutorial cluster with 3 t2.small masters and queries and `tier1` data nodes. */
function cluster(tier1: { replicas: number; instanceType: string }): ClusterRequest {
  const copy = structuredClone(TUTORIAL);
  copy.spec.data = { tier1 };
  return copy;
}

// 6 t2.small (masters and queries) a month: 6 × 0.023 × 730.
const FIXED = 100.74;

describe('the monthly cost of a plan', () => {
  it('doubles the data tier cost when its replicas double', () => {
    const cost = planCost(
      cluster({ replicas: 10, instanceType: 'm5.xlarge' }),
      cluster({ replicas: 20, instanceType: 'm5.xlarge' }),
      PRICES,
    );
    assert.deepEqual(cost, {
      currency: 'USD',
      monthlyBefore: 1502.34, // FIXED + 10 × 0.192 × 730
      monthlyAfter: 2903.94,
      monthlyDelta: 1401.6,
      hoursPerMonth: 730,
      unpriced: [],
      pricesAsOf: '2026-11-27',
    });
    assert.equal(
      costLine(cost),
      'monthly cost: USD 1,502.34 → USD 2,903.94 (+1,401.60); prices as of 2026-11-27, 730 h a month',
    );
  });

  it('prices a change of instance type at the new type', () => {
    const cost = planCost(
      cluster({ replicas: 4, instanceType: 'm5.xlarge' }),
      cluster({ replicas: 4, instanceType: 'r5.xlarge' }),
      PRICES,
    );
    // 4 × (0.252 − 0.192) × 730.
    assert.equal(cost.monthlyDelta, 175.2);
    assert.equal(cost.monthlyAfter, 836.58); // FIXED + 4 × 0.252 × 730
  });

  it('counts a delete as nothing after: the delta is minus the whole cluster', () => {
    const cost = planCost(cluster({ replicas: 2, instanceType: 'm5.xlarge' }), undefined, PRICES);
    assert.equal(cost.monthlyAfter, 0);
    assert.equal(cost.monthlyDelta, -381.06); // -(FIXED + 2 × 0.192 × 730)
    assert.match(costLine(cost) ?? '', /→ USD 0\.00 \(-381\.06\)/);
  });

  it('names an instance type without a price and counts it as 0', () => {
    const cost = planCost(
      cluster({ replicas: 2, instanceType: 'm5.xlarge' }),
      cluster({ replicas: 2, instanceType: 'm9.huge' }),
      PRICES,
    );
    assert.deepEqual(cost.unpriced, ['m9.huge']);
    assert.equal(cost.monthlyAfter, FIXED);
    assert.match(costLine(cost) ?? '', /; m9\.huge has no price: counted as 0$/);
  });

  it('drops the date when an override without one is mixed in, and keeps the override currency', () => {
    const override = parsePriceTable({ currency: 'USD', hourly: { 'm5.xlarge': 0.1 } }, 'test');
    const mixed = mergePrices(PRICES, override);
    assert.equal(mixed.asOf, undefined);
    const cost = planCost(
      cluster({ replicas: 1, instanceType: 'm5.xlarge' }),
      cluster({ replicas: 2, instanceType: 'm5.xlarge' }),
      mixed,
    );
    assert.equal(cost.monthlyDelta, 73);
    assert.equal(cost.pricesAsOf, undefined);
    assert.match(costLine(cost) ?? '', /\(\+73\.00\); 730 h a month$/);
  });

  it('has no line for a plan recorded before costs were computed', () => {
    assert.equal(costLine(undefined), undefined);
  });

  it('refuses a price table whose asOf is not a date', () => {
    assert.throws(
      () => parsePriceTable({ currency: 'USD', asOf: 'last week', hourly: {} }, 'prices.json'),
      /prices\.json: asOf: must be a date such as 2026-11-27/,
    );
  });
});
