import type { CostApprovalView, PlanCost } from './approval';

/**
 * How a plan's monthly cost reads, everywhere a plan is shown (CLI, page, chat, audit). Pure.
 * A month is 730 hours (8,760 a year over 12), as cloud price calculators count it.
 */

export const HOURS_PER_MONTH = 730;

/** `1,401.60`: two decimals, thousands grouped, no currency (by hand: workflows use it too). Pure. */
export function formatAmount(amount: number): string {
  const [whole = '0', cents = '00'] = Math.abs(amount).toFixed(2).split('.');
  const sign = amount < 0 && Math.abs(amount) >= 0.005 ? '-' : '';
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** `USD 1,401.60`. Pure. */
export function formatMoney(currency: string, amount: number): string {
  return `${currency} ${formatAmount(amount)}`;
}

/** `+1,401.60`, `-700.80`, `±0.00`. Pure. */
export function formatDelta(amount: number): string {
  if (amount > 0) return `+${formatAmount(amount)}`;
  if (amount < 0) return `-${formatAmount(-amount)}`;
  return '±0.00';
}

/** `USD 1,401.60 → USD 2,803.20 a month (+1,401.60)`. Pure. */
export function costSummary(cost: PlanCost): string {
  return (
    `${formatMoney(cost.currency, cost.monthlyBefore)} → ${formatMoney(cost.currency, cost.monthlyAfter)}` +
    ` (${formatDelta(cost.monthlyDelta)})`
  );
}

/** `m9.huge has no price: counted as 0`, one clause for all of them; undefined when all are priced. Pure. */
export function unpricedNote(cost: PlanCost): string | undefined {
  const types = cost.unpriced;
  if (types.length === 0) return undefined;
  return `${types.join(', ')} ${types.length === 1 ? 'has' : 'have'} no price: counted as 0`;
}

/** `prices as of 2026-11-27, 730 h a month` (or without the date when the table has none). Pure. */
export function pricesNote(cost: PlanCost): string {
  const date = cost.pricesAsOf ? `prices as of ${cost.pricesAsOf}, ` : '';
  return `${date}${cost.hoursPerMonth} h a month`;
}

/**
 * The plan's cost in one line: `monthly cost: USD 1,401.60 → USD 2,803.20 (+1,401.60); prices as
 * of 2026-11-27, 730 h a month`, with unpriced types named; undefined for plans without a cost. Pure.
 */
export function costLine(cost: PlanCost | undefined): string | undefined {
  if (!cost) return undefined;
  const notes = [pricesNote(cost), unpricedNote(cost)].filter((note) => note !== undefined);
  return `monthly cost: ${costSummary(cost)}; ${notes.join('; ')}`;
}

/** `5,000` (or `5,000.50`): a threshold as people wrote it. Pure. */
export function formatThreshold(amount: number): string {
  const text = formatAmount(amount);
  return text.endsWith('.00') ? text.slice(0, -3) : text;
}

/**
 * `needs 1 more approval from leads (carol, dave): the change adds USD 6,000.00 a month, above
 * 5,000`, or, once given, `leads approved (carol): …`. Pure.
 */
export function costDetail(view: CostApprovalView): string {
  const why = `the change adds ${formatMoney(view.currency, view.monthlyDelta)} a month, above ${formatThreshold(view.above)}`;
  if (view.missing === 0) return `${view.groups.join(', ')} approved (${view.approvals.join(', ')}): ${why}`;
  const plural = view.missing === 1 ? '' : 's';
  return `needs ${view.missing} more approval${plural} from ${view.groups.join(', ')} (${view.approvers.join(', ')}): ${why}`;
}
