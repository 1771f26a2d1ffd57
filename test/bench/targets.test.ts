import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContenderRun, FleetSizeResult } from '../../bench/fleet-bench';
import { evaluateTargets } from '../../bench/targets';

/** One fleet size with ours and the hand-written script at these wall times (ms). */
function size(n: number, ours: Partial<ContenderRun>, scriptMs: number): FleetSizeResult {
  const base = { n, throttled: 0, stopped: n, boundMs: 1 };
  return {
    n,
    requestTimeMs: 2,
    floorMs: ((n + 1) / 20) * 1000,
    runs: [
      {
        contender: 'ours',
        wallMs: 1,
        requests: n + 10,
        historyEvents: 35 * n,
        largestHistory: 4000,
        ...base,
        ...ours,
      },
      { contender: 'concurrent', wallMs: scriptMs, requests: 2 * n, ...base },
      { contender: 'sequential', wallMs: scriptMs * 20, requests: 3 * n, ...base },
    ],
  };
}

const find = (fleet: FleetSizeResult[], start: string) =>
  evaluateTargets({ fleet, referenceN: 200 }).find((target) => target.target.startsWith(start));

describe('the fleet targets at the API limit', () => {
  it('reads the floor and the script speed-up at N = 500, and fails either past its limit', () => {
    // Floor at N = 500: 501 requests at 20/s = 25.05 s; 1.25× is 31.3 s.
    const passing = [size(500, { wallMs: 30_600 }, 55_500)];
    assert.equal(find(passing, 'ours within 1.25× of the floor')?.status, 'PASS');
    assert.equal(find(passing, 'ours at least 1.7× faster')?.status, 'PASS');
    assert.match(
      find(passing, 'ours at least 1.7× faster')?.figure ?? '',
      /^1\.81×: 30\.6 s against 55\.5 s/,
    );
    const slow = [size(500, { wallMs: 32_000 }, 55_500)];
    assert.equal(find(slow, 'ours within 1.25× of the floor')?.status, 'FAIL');
    assert.equal(find(slow, 'ours at least 1.7× faster')?.status, 'PASS');
    const close = [size(500, { wallMs: 30_000 }, 50_000)];
    assert.equal(find(close, 'ours at least 1.7× faster')?.status, 'FAIL');
    const unstopped = [size(500, { wallMs: 30_000, stopped: 499 }, 55_000)];
    assert.equal(find(unstopped, 'ours within 1.25× of the floor')?.status, 'FAIL');
  });

  it('is NOT RUN without N = 500, and judges the history limit only at the opt-in N = 2000', () => {
    const small = [size(50, { wallMs: 5_000 }, 5_000)];
    assert.equal(find(small, 'ours within 1.25× of the floor')?.status, 'NOT RUN');
    assert.equal(find(small, 'N = 2000')?.status, 'NOT RUN');
    const large = [size(2000, { wallMs: 120_000, largestHistory: 9_100, fleetRuns: 3 }, 222_000)];
    assert.equal(find(large, 'N = 2000')?.status, 'PASS');
    assert.match(
      find(large, 'N = 2000')?.figure ?? '',
      /largest 9100 events at N=2000 \(the fleet run in 3 runs/,
    );
    const tooBig = [size(2000, { wallMs: 120_000, largestHistory: 10_400 }, 222_000)];
    assert.equal(find(tooBig, 'N = 2000')?.status, 'FAIL');
  });
});
