import { floorMs, rateBoundMs } from './bounds';
import { runConcurrentScript, runSequentialScript } from './contender-scripts';
import { runOurs } from './contender-ours';
import { countAndClose, createFleetWorld, type FleetWorld } from './fleet-world';
import type { BenchOptions } from './options';
import type { BenchStack } from './stack';

export type ContenderName = 'sequential' | 'concurrent' | 'ours';

/** One contender at one fleet size. */
export interface ContenderRun {
  contender: ContenderName;
  n: number;
  wallMs: number;
  requests: number;
  throttled: number;
  /** Clusters STOPPED at the end; for an extrapolated run, what the measured run implies. */
  stopped: number;
  /** Set when the figures are scaled up from a measured run at `fromN` (never measured at this N). */
  extrapolatedFrom?: number;
  /** Ours: events of the scheduled run, the fleet run and every power runbook, summed. */
  historyEvents?: number;
  workflows?: number;
  /** Ours: events of the largest single workflow history (run), and the most runs one workflow took. */
  largestHistory?: number;
  fleetRuns?: number;
  /** Ours: how fast the fleet run started its power runbooks (children per second, first to last). */
  childStartsPerSecond?: number;
  /** Ours: mean time of one power runbook, start to end. */
  meanRunbookMs?: number;
  /** Ours: clusters the fleet summary lists as failed, with why. */
  failures?: string[];
  /** max(T + request time, requests / R) for the requests this contender sent. */
  boundMs: number;
}

export interface FleetSizeResult {
  n: number;
  requestTimeMs: number;
  /** The floor for any script: N PATCHes and one list read at R (see bounds.ts). */
  floorMs: number;
  runs: ContenderRun[];
}

type Log = (line: string) => void;

/** Runs one contender on its world; ours also reports its history and how fast it started runbooks. */
async function runContender(
  stack: BenchStack,
  options: BenchOptions,
  contender: ContenderName,
  world: FleetWorld,
): Promise<{ wallMs: number; extra: Partial<ContenderRun> }> {
  const limits = { concurrency: options.concurrency, rate: options.fleetRate };
  if (contender === 'sequential')
    return { wallMs: await runSequentialScript(world, options.scriptPollMs), extra: {} };
  if (contender === 'concurrent') {
    return {
      wallMs: await runConcurrentScript(world, { ...limits, pollMs: options.scriptPollMs }),
      extra: {},
    };
  }
  const ours = await runOurs(stack, world, limits);
  const { children, spanMs } = ours.history.fanOut;
  const extra: Partial<ContenderRun> = {
    historyEvents: ours.history.events,
    workflows: ours.history.workflows,
    largestHistory: ours.history.largest,
    fleetRuns: ours.history.mostRuns,
    failures: ours.failed,
    meanRunbookMs: ours.meanRunbookMs,
    ...(children > 1 && spanMs > 0 ? { childStartsPerSecond: (children - 1) / (spanMs / 1000) } : {}),
  };
  return { wallMs: ours.wallMs, extra };
}

async function measure(
  stack: BenchStack,
  options: BenchOptions,
  contender: ContenderName,
  n: number,
): Promise<{ run: ContenderRun; requestTimeMs: number }> {
  const world = await createFleetWorld(stack, {
    count: n,
    transitionMs: options.transitionMs,
    rateLimit: options.rateLimit,
    label: `${contender}-${n}-${Date.now().toString(36)}`,
  });
  const { wallMs, extra } = await runContender(stack, options, contender, world);
  const counts = await countAndClose(world);
  const boundMs = rateBoundMs(
    counts.requests,
    options.rateLimit,
    options.transitionMs,
    world.requestTimeMs,
    n,
  );
  return {
    run: { contender, n, wallMs, ...counts, ...extra, boundMs },
    requestTimeMs: world.requestTimeMs,
  };
}

/** The sequential script's figures at `n`, scaled from a measured run: it stops one cluster at a time. */
function extrapolate(measured: ContenderRun, n: number, options: BenchOptions, requestTimeMs: number) {
  const scale = n / measured.n;
  const requests = Math.round(measured.requests * scale);
  return {
    ...measured,
    n,
    wallMs: measured.wallMs * scale,
    requests,
    throttled: Math.round(measured.throttled * scale),
    stopped: Math.round(measured.stopped * scale),
    extrapolatedFrom: measured.n,
    boundMs: rateBoundMs(requests, options.rateLimit, options.transitionMs, requestTimeMs, n),
  };
}

function describeRun(run: ContenderRun): string {
  const seconds = (run.wallMs / 1000).toFixed(1);
  const events = run.historyEvents === undefined ? '' : `, ${run.historyEvents} history events`;
  const note = run.extrapolatedFrom ? ` (extrapolated from N=${run.extrapolatedFrom})` : '';
  return `${run.contender} N=${run.n}: ${seconds} s, ${run.requests} requests, ${run.throttled} 429s${events}${note}`;
}

/** Runs the three contenders at every fleet size (the sequential one only up to its cap). Sends requests. */
export async function runFleetBench(stack: BenchStack, options: BenchOptions, log: Log) {
  const results: FleetSizeResult[] = [];
  let lastSequential: ContenderRun | undefined;
  for (const n of options.sizes) {
    const runs: ContenderRun[] = [];
    let requestTimeMs = 0;
    for (const contender of ['ours', 'concurrent', 'sequential'] as const) {
      if (contender === 'sequential' && n > options.sequentialMaxN) {
        // Measured once at the cap (at the first size above it, when no smaller size was run) and scaled.
        lastSequential ??= (await measure(stack, options, contender, options.sequentialMaxN)).run;
        runs.push(extrapolate(lastSequential, n, options, requestTimeMs));
      } else {
        const measured = await measure(stack, options, contender, n);
        requestTimeMs = Math.max(requestTimeMs, measured.requestTimeMs);
        runs.push(measured.run);
        if (contender === 'sequential') lastSequential = measured.run;
      }
      log(`  ${describeRun(runs[runs.length - 1] as ContenderRun)}`);
    }
    const floor = floorMs(n, options.rateLimit, options.transitionMs, requestTimeMs);
    results.push({ n, requestTimeMs, floorMs: floor, runs });
  }
  return results;
}
