import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineInfo, recordedOptions, type BenchResult } from './bench-result';
import { fleetChartSvg } from './chart-svg';
import { runFleetBench, type FleetSizeResult } from './fleet-bench';
import { runLifecycleBench, type LifecycleBenchResult } from './lifecycle-bench';
import type { BenchOptions } from './options';
import { benchMarkdown } from './report-markdown';
import { startBenchStack } from './stack';
import { evaluateTargets } from './targets';
import { runWaitingBench, type WaitingBenchResult } from './waiting-bench';

/**
 * One run of `npm run bench`: the fleet stop and the lifecycle throughput on a Temporal dev server
 * of its own, then the waiting cost on the time-skipping test server (once the dev server is gone,
 * so it does not compete for the CPU); then the targets and the files.
 */

type Log = (line: string) => void;

interface Measured {
  fleet?: FleetSizeResult[];
  lifecycle?: LifecycleBenchResult;
  waiting?: WaitingBenchResult;
}

async function measureAll(options: BenchOptions, log: Log): Promise<Measured> {
  const measured: Measured = {};
  if (!options.skip.has('fleet') || !options.skip.has('lifecycle')) {
    log('starting a Temporal dev server (in memory, headless)');
    const stack = await startBenchStack();
    try {
      if (!options.skip.has('fleet')) {
        log(`fleet stop at N = ${options.sizes.join(', ')}`);
        measured.fleet = await runFleetBench(stack, options, log);
      }
      if (!options.skip.has('lifecycle')) {
        log(`lifecycle throughput: ${options.runbooks} runbooks at once`);
        measured.lifecycle = await runLifecycleBench(stack, options.runbooks);
      }
    } finally {
      await stack.close();
    }
  }
  if (!options.skip.has('waiting')) {
    log(
      `waiting cost: one ${options.waitTransitionMs / 60_000}-minute stop on the time-skipping test server`,
    );
    measured.waiting = await runWaitingBench(options.waitTransitionMs);
  }
  return measured;
}

function subtitle(options: BenchOptions): string {
  return (
    `T = ${options.transitionMs / 1000} s per stop, API limit R = ${options.rateLimit} req/s; ` +
    `ours and the concurrent script at ${options.fleetRate} req/s, ${options.concurrency} at once`
  );
}

/** Writes `<stamp>.json`, `.md`, `.svg` and `latest.md` + `latest.svg` into the output folder; returns their paths. */
export function writeResults(result: BenchResult, options: BenchOptions): string[] {
  mkdirSync(options.outDir, { recursive: true });
  const stamp = result.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const file = path.join(options.outDir, name);
    writeFileSync(file, text);
    files.push(file);
  };
  write(`${stamp}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const hasChart = Boolean(result.fleet?.length);
  if (hasChart) {
    const svg = fleetChartSvg(result.fleet ?? [], subtitle(options));
    write(`${stamp}.svg`, svg);
    write('latest.svg', svg);
  }
  write(`${stamp}.md`, benchMarkdown(result, `${stamp}.svg`));
  write('latest.md', benchMarkdown(result, 'latest.svg'));
  return files;
}

/** Runs every part not skipped and writes the results. Starts and stops its own servers. */
export async function runBench(options: BenchOptions, argv: string[], log: Log) {
  const started = new Date();
  const machine = machineInfo();
  const measured = await measureAll(options, log);
  const finished = new Date();
  const result: BenchResult = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    argv,
    options: recordedOptions(options),
    machine,
    ...measured,
    targets: evaluateTargets({ ...measured, referenceN: options.referenceN }),
  };
  return { result, files: writeResults(result, options) };
}
