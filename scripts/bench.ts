/**
 * `npm run bench`: the benchmarks of issue 8 (fleet stop against the scripts users write, lifecycle
 * throughput, waiting cost). Starts its own Temporal dev server and emulators; writes
 * bench/results/<timestamp>.json, .md and .svg, and latest.md + latest.svg. See docs/benchmarks.md.
 *
 *   npm run bench                         the defaults (about 10 minutes on 2 cores)
 *   npm run bench -- --sizes 20,50        smaller fleets (quicker)
 *   npm run bench -- --help               every flag
 */
import path from 'node:path';
import { BENCH_USAGE, parseBenchOptions, type BenchOptions } from '../bench/options';
import { runBench } from '../bench/run-bench';

function options(argv: string[]): BenchOptions | undefined {
  try {
    const parsed = parseBenchOptions(argv);
    if (parsed !== 'help') return parsed;
    process.stdout.write(BENCH_USAGE);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${BENCH_USAGE}`);
    process.exitCode = 2;
  }
  return undefined;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const parsed = options(argv);
  if (!parsed) return process.exitCode === 2 ? 2 : 0;
  const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const { result, files } = await runBench(parsed, argv, log);
  console.log('');
  for (const target of result.targets) {
    console.log(`${target.status.padEnd(7)} ${target.area}: ${target.target}: ${target.figure}`);
  }
  console.log('');
  for (const file of files) console.log(`wrote ${path.relative(process.cwd(), file)}`);
  const failed = result.targets.some((target) => target.status === 'FAIL');
  return failed && parsed.failOnTarget ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
