import { fitLine, growth } from './bounds';
import type { ContenderName, ContenderRun, FleetSizeResult } from './fleet-bench';
import type { LifecycleBenchResult } from './lifecycle-bench';
import type { WaitingBenchResult } from './waiting-bench';

/** One target of the issue, checked against the figures of a run. */
export interface TargetResult {
  area: 'fleet' | 'lifecycle' | 'waiting';
  target: string;
  status: 'PASS' | 'FAIL' | 'NOT RUN';
  figure: string;
}

export interface MeasuredParts {
  fleet?: FleetSizeResult[];
  lifecycle?: LifecycleBenchResult;
  waiting?: WaitingBenchResult;
  referenceN: number;
}

const MB = 1024 * 1024;
const times = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)}×`;
const verdict = (ok: boolean): TargetResult['status'] => (ok ? 'PASS' : 'FAIL');

function run(size: FleetSizeResult, contender: ContenderName): ContenderRun {
  const found = size.runs.find((candidate) => candidate.contender === contender);
  if (!found) throw new Error(`no ${contender} run at N=${size.n}`);
  return found;
}

/** A ratio at every fleet size: PASS when each is at most `limit`. */
function ratioTarget(
  fleet: FleetSizeResult[],
  target: string,
  limit: number,
  ratio: (size: FleetSizeResult) => number,
) {
  const ratios = fleet.map((size) => ({ n: size.n, value: ratio(size) }));
  return {
    area: 'fleet' as const,
    target,
    status: verdict(ratios.every((entry) => entry.value <= limit)),
    figure: ratios.map((entry) => `${times(entry.value)} at N=${entry.n}`).join(', '),
  };
}

function sequentialTarget(fleet: FleetSizeResult[], referenceN: number): TargetResult {
  const size = fleet.reduce((best, candidate) =>
    Math.abs(candidate.n - referenceN) < Math.abs(best.n - referenceN) ? candidate : best,
  );
  const sequential = run(size, 'sequential');
  const speedup = sequential.wallMs / run(size, 'ours').wallMs;
  const note = sequential.extrapolatedFrom
    ? ` (sequential extrapolated from N=${sequential.extrapolatedFrom})`
    : '';
  return {
    area: 'fleet',
    target: `at least 10× faster than the sequential script at N = ${referenceN}`,
    status: verdict(speedup >= 10),
    figure: `${times(speedup)} faster at N=${size.n}${note}`,
  };
}

function throttlingTarget(fleet: FleetSizeResult[]): TargetResult {
  const ours = fleet.map((size) => run(size, 'ours'));
  const received = ours.reduce((sum, entry) => sum + entry.throttled, 0);
  const unhandled = ours.filter((entry) => entry.stopped < entry.n || (entry.failures ?? []).length > 0);
  return {
    area: 'fleet',
    target: 'zero 429s left unhandled',
    status: verdict(unhandled.length === 0),
    figure:
      `${received} 429s received by ours in all; ` +
      (unhandled.length === 0
        ? 'every cluster STOPPED at every N'
        : unhandled.map((entry) => `${entry.stopped}/${entry.n} stopped at N=${entry.n}`).join(', ')),
  };
}

function linearTarget(fleet: FleetSizeResult[]): TargetResult {
  const target = 'cost growing linearly in N';
  if (fleet.length < 3)
    return { area: 'fleet', target, status: 'NOT RUN', figure: 'needs three fleet sizes or more' };
  const ours = fleet.map((size) => run(size, 'ours'));
  const requestGrowth = growth(ours.map((entry) => entry.requests / entry.n));
  const eventGrowth = growth(ours.map((entry) => (entry.historyEvents ?? 0) / entry.n));
  const line = fitLine(ours.map((entry) => ({ x: entry.n, y: entry.wallMs / 1000 })));
  const rSquared = line?.rSquared ?? 0;
  const perCluster = (value: number) => `${times(value)} the smallest fleet's`;
  return {
    area: 'fleet',
    target,
    // Linear: no per-cluster cost grows with N by more than 20%, and wall time lies on a line.
    status: verdict(requestGrowth <= 1.2 && eventGrowth <= 1.2 && rSquared >= 0.98),
    figure:
      `per cluster at the larger N: requests at most ${perCluster(requestGrowth)}, history events at most ` +
      `${perCluster(eventGrowth)}; wall time ≈ ${line?.intercept.toFixed(1)} s + ${line?.slope.toFixed(2)} s × N ` +
      `(R² ${rSquared.toFixed(3)})`,
  };
}

/** The fleet size the "at the API's limit" targets are read at, and the opt-in large size. */
export const LIMIT_N = 500;
export const LARGE_N = 2000;
const HISTORY_LIMIT = 10_000;

function atN(fleet: FleetSizeResult[], n: number): FleetSizeResult | undefined {
  return fleet.find((size) => size.n === n);
}

/** Ours against the floor (N + 1 requests at R) and against the hand-written script, at N = 500. */
function limitTargets(fleet: FleetSizeResult[]): TargetResult[] {
  const size = atN(fleet, LIMIT_N);
  const floorTarget = `ours within 1.25× of the floor (N + 1 requests at R) at N = ${LIMIT_N}`;
  const scriptTarget = `ours at least 1.7× faster than the hand-written concurrent script at N = ${LIMIT_N}`;
  if (!size) {
    const figure = `needs N = ${LIMIT_N} in --sizes`;
    return [
      { area: 'fleet', target: floorTarget, status: 'NOT RUN', figure },
      { area: 'fleet', target: scriptTarget, status: 'NOT RUN', figure },
    ];
  }
  const ours = run(size, 'ours');
  const script = run(size, 'concurrent');
  const overFloor = ours.wallMs / size.floorMs;
  const speedup = script.wallMs / ours.wallMs;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    {
      area: 'fleet',
      target: floorTarget,
      status: verdict(overFloor <= 1.25 && ours.stopped === ours.n),
      figure:
        `${times(overFloor)}: ${seconds(ours.wallMs)} against ${seconds(size.floorMs)}; ` +
        `${ours.requests} requests (${(ours.requests / ours.n).toFixed(2)} per cluster)`,
    },
    {
      area: 'fleet',
      target: scriptTarget,
      status: verdict(speedup >= 1.7 && ours.stopped === ours.n),
      figure: `${times(speedup)}: ${seconds(ours.wallMs)} against ${seconds(script.wallMs)} (${script.requests} requests)`,
    },
  ];
}

/** The opt-in large fleet: no single workflow history (run) reaches 10,000 events. */
function largeFleetTarget(fleet: FleetSizeResult[]): TargetResult {
  const target = `N = ${LARGE_N}: no single workflow history over ${HISTORY_LIMIT.toLocaleString('en')} events`;
  const size = fleet.find((candidate) => candidate.n >= LARGE_N);
  if (!size) {
    return { area: 'fleet', target, status: 'NOT RUN', figure: `opt-in: --sizes 50,200,500,${LARGE_N}` };
  }
  const ours = run(size, 'ours');
  const largest = ours.largestHistory ?? Infinity;
  return {
    area: 'fleet',
    target,
    status: verdict(largest <= HISTORY_LIMIT && ours.stopped === ours.n),
    figure:
      `largest ${largest} events at N=${size.n} (the fleet run in ${ours.fleetRuns ?? 1} runs, ` +
      `continued as new); ${ours.stopped}/${ours.n} STOPPED in ${(ours.wallMs / 1000).toFixed(1)} s`,
  };
}

function fleetTargets(fleet: FleetSizeResult[], referenceN: number): TargetResult[] {
  return [
    ...limitTargets(fleet),
    largeFleetTarget(fleet),
    ratioTarget(
      fleet,
      'ours within 1.5× of the hand-written concurrent script',
      1.5,
      (size) => run(size, 'ours').wallMs / run(size, 'concurrent').wallMs,
    ),
    ratioTarget(fleet, 'ours within 1.3× of the rate-limit lower bound', 1.3, (size) => {
      const ours = run(size, 'ours');
      return ours.wallMs / ours.boundMs;
    }),
    sequentialTarget(fleet, referenceN),
    throttlingTarget(fleet),
    linearTarget(fleet),
  ];
}

function lifecycleTargets(lifecycle: LifecycleBenchResult): TargetResult[] {
  const peakMb = lifecycle.memory.peakRssBytes / MB;
  return [
    {
      area: 'lifecycle',
      target: 'under 200 history events per runbook, its children included',
      status: verdict(lifecycle.historyEvents.max < 200 && lifecycle.completed === lifecycle.runbooks),
      figure: `${lifecycle.historyEvents.mean.toFixed(0)} mean, ${lifecycle.historyEvents.max} max`,
    },
    {
      area: 'lifecycle',
      target: 'under 40 API calls per runbook',
      status: verdict(lifecycle.apiCallsPerRunbook < 40),
      figure: `${lifecycle.apiCallsPerRunbook.toFixed(1)} per runbook`,
    },
    {
      area: 'lifecycle',
      target: 'worker memory under 400 MB with 100 runbooks in flight',
      // Fewer runbooks than the target's 100 is a lighter load: no verdict rather than a flattering one.
      status: lifecycle.runbooks >= 100 ? verdict(peakMb < 400) : 'NOT RUN',
      figure: `${peakMb.toFixed(0)} MB peak RSS with ${lifecycle.runbooks} runbooks in flight`,
    },
  ];
}

function waitingTarget(waiting: WaitingBenchResult): TargetResult {
  const backoff = waiting.runs.find((entry) => entry.name === 'backoff');
  const everySecond = waiting.runs.find((entry) => entry.name === 'every-second');
  const minutes = waiting.transitionMs / 60_000;
  return {
    area: 'waiting',
    target: `under 30 API calls for the ${minutes}-minute wait`,
    status: verdict((backoff?.apiCalls ?? Infinity) < 30),
    figure:
      `${backoff?.apiCalls} calls for the whole runbook (${backoff?.polls} polls); ` +
      `polling every second: ${everySecond?.apiCalls}`,
  };
}

/** Checks every target of the issue against what was measured; a part left out is NOT RUN. Pure. */
export function evaluateTargets(parts: MeasuredParts): TargetResult[] {
  const notRun = (area: TargetResult['area'], target: string): TargetResult => ({
    area,
    target,
    status: 'NOT RUN',
    figure: 'part skipped',
  });
  return [
    ...(parts.fleet?.length
      ? fleetTargets(parts.fleet, parts.referenceN)
      : [notRun('fleet', 'fleet stop targets')]),
    ...(parts.lifecycle ? lifecycleTargets(parts.lifecycle) : [notRun('lifecycle', 'lifecycle targets')]),
    parts.waiting ? waitingTarget(parts.waiting) : notRun('waiting', 'under 30 API calls for the wait'),
  ];
}
