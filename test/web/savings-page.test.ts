import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SavingsEvent } from '../../src/schedules/savings-events';
import { renderSavingsChart, savingsByDay } from '../../src/web/savings-page';

const NODES = [{ group: 'master', instanceType: 'm5.large', replicas: 2 }];
const PRICES = { currency: 'USD', hourly: { 'm5.large': 0.5 } };

function event(action: 'stop' | 'start', at: string): SavingsEvent {
  return { outcome: 'done', action, clusterName: 'orders', at, nodes: NODES, source: 'schedule' };
}

describe('savings chart', () => {
  it('counts each day’s stopped hours and money from the report’s own computation', () => {
    const events = [event('stop', '2026-12-03T19:00:00Z'), event('start', '2026-12-04T07:00:00Z')];
    const days = savingsByDay(events, PRICES, Date.parse('2026-12-06T12:00:00Z'), 5);
    assert.deepEqual(
      days.map((day) => day.date),
      ['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06'],
    );
    // 19:00 to midnight on the 3rd, midnight to 07:00 on the 4th; 2 × 0.5 an hour.
    assert.deepEqual(
      days.map((day) => [day.hoursStopped, day.saved]),
      [
        [0, 0],
        [5, 5],
        [7, 7],
        [0, 0],
        [0, 0],
      ],
    );
  });

  it('draws two labelled bars a day in an SVG that needs no script', () => {
    const svg = renderSavingsChart(
      [
        { date: '2026-12-03', hoursStopped: 5, saved: 5 },
        { date: '2026-12-04', hoursStopped: 7, saved: 7 },
      ],
      'USD',
    ).text;
    assert.equal(svg.match(/<rect\s/g)?.length, 4);
    assert.match(svg, /role="img"/);
    assert.match(svg, /<title>2026-12-04: 7\.0 h stopped, USD 7\.00 saved<\/title>/);
    assert.doesNotMatch(svg, /<script|on\w+=/);
  });
});
