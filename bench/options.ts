import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/shared/durations';

/** Every parameter of `npm run bench`, with the defaults filled in. */
export interface BenchOptions {
  /** Fleet sizes N of the fleet-stop benchmark. */
  sizes: number[];
  /** How long each emulated stop takes (T). */
  transitionMs: number;
  /** The emulator's API rate limit R (requests per second, 429 with Retry-After above it). */
  rateLimit: number;
  /** The request rate ours and the hand-written script both keep to (below R). */
  fleetRate: number;
  /** Clusters stopped at once by ours and by the hand-written script. */
  concurrency: number;
  /** The sequential script runs only up to this N; larger sizes are extrapolated (and labelled so). */
  sequentialMaxN: number;
  /** How often the two scripts poll a stopping cluster. */
  scriptPollMs: number;
  /** K: lifecycle runbooks started at once. */
  runbooks: number;
  /** How long the one slow transition of the waiting-cost benchmark takes (simulated time). */
  waitTransitionMs: number;
  /** The N the sequential comparison is checked at (the N = 200), or the nearest measured. */
  referenceN: number;
  /** Where results go: `<timestamp>.json`, `.md`, `.svg`, and `latest.md` + `latest.svg`. */
  outDir: string;
  /** Parts to leave out: fleet, lifecycle, waiting. */
  skip: Set<BenchPart>;
  /** Exit 1 when a target fails (default: report it and exit 0, since timings vary by machine). */
  failOnTarget: boolean;
}

export type BenchPart = 'fleet' | 'lifecycle' | 'waiting';
const PARTS: BenchPart[] = ['fleet', 'lifecycle', 'waiting'];

const ROOT = path.resolve(__dirname, '..');

export const BENCH_USAGE = `npm run bench -- [flags]

  --sizes 50,200,500        fleet sizes N for the fleet stop (add 2000 for the large fleet's target)
  --transition 2s           T: how long each emulated stop takes
  --rate-limit 20           R: the emulator's requests per second (429 with Retry-After above it)
  --fleet-rate 18           requests per second ours and the hand-written script keep to (below R)
  --concurrency 100         clusters stopped at once by ours and the hand-written script
  --sequential-max-n 50     run the sequential script up to this N; larger N are extrapolated
  --script-poll 1s          how often the two scripts poll a stopping cluster
  --runbooks 100            K: lifecycle runbooks at once (instant transitions)
  --wait-transition 10m     the slow transition of the waiting-cost benchmark (simulated time)
  --reference-n 200         the N the "10x the sequential script" target is checked at
  --out-dir bench/results   where the JSON, markdown and SVG go
  --skip fleet,lifecycle,waiting   leave parts out
  --fail-on-target          exit 1 when a target fails
`;

function positiveNumber(text: string, flag: string, { integer = true } = {}): number {
  const value = Number(text);
  const ok = integer ? Number.isInteger(value) && value >= 1 : Number.isFinite(value) && value > 0;
  if (!ok) {
    const kind = integer ? 'a whole number of at least 1' : 'a number above 0';
    throw new Error(`${flag} must be ${kind} (got "${text}")`);
  }
  return value;
}

function sizesFrom(text: string): number[] {
  const sizes = text.split(',').map((part) => positiveNumber(part.trim(), '--sizes'));
  return [...new Set(sizes)].sort((left, right) => left - right);
}

function skipFrom(text: string | undefined): Set<BenchPart> {
  const parts = (text ?? '').split(',').filter((part) => part.trim() !== '');
  for (const part of parts) {
    if (!PARTS.includes(part.trim() as BenchPart)) {
      throw new Error(`--skip takes a list of ${PARTS.join(', ')} (got "${part}")`);
    }
  }
  return new Set(parts.map((part) => part.trim() as BenchPart));
}

function duration(text: string, flag: string, minimumMs: number): number {
  const ms = parseDuration(text, flag);
  if (ms < minimumMs) throw new Error(`${flag} must be at least ${minimumMs}ms (got "${text}")`);
  return ms;
}

const FLAGS = {
  sizes: { type: 'string', default: '50,200,500' },
  transition: { type: 'string', default: '2s' },
  'rate-limit': { type: 'string', default: '20' },
  'fleet-rate': { type: 'string' },
  concurrency: { type: 'string', default: '100' },
  'sequential-max-n': { type: 'string', default: '50' },
  'script-poll': { type: 'string', default: '1s' },
  runbooks: { type: 'string', default: '100' },
  'wait-transition': { type: 'string', default: '10m' },
  'reference-n': { type: 'string', default: '200' },
  'out-dir': { type: 'string', default: path.join(ROOT, 'bench', 'results') },
  skip: { type: 'string' },
  'fail-on-target': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

/** Parses the bench's flags; throws a message naming the flag and what it takes. Pure but for `path.resolve`. */
export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const rateLimit = positiveNumber(values['rate-limit'], '--rate-limit', { integer: false });
  // 90% of R: the same headroom for ours and the hand-written script, so neither trips the limit.
  const fleetRate = values['fleet-rate']
    ? positiveNumber(values['fleet-rate'], '--fleet-rate', { integer: false })
    : Math.round(rateLimit * 0.9 * 100) / 100;
  if (fleetRate > rateLimit) {
    throw new Error(`--fleet-rate (${fleetRate}) must not exceed --rate-limit (${rateLimit})`);
  }
  return {
    sizes: sizesFrom(values.sizes),
    transitionMs: duration(values.transition, '--transition', 0),
    rateLimit,
    fleetRate,
    concurrency: positiveNumber(values.concurrency, '--concurrency'),
    sequentialMaxN: positiveNumber(values['sequential-max-n'], '--sequential-max-n'),
    scriptPollMs: duration(values['script-poll'], '--script-poll', 10),
    runbooks: positiveNumber(values.runbooks, '--runbooks'),
    waitTransitionMs: duration(values['wait-transition'], '--wait-transition', 1000),
    referenceN: positiveNumber(values['reference-n'], '--reference-n'),
    outDir: path.resolve(values['out-dir']),
    skip: skipFrom(values.skip),
    failOnTarget: values['fail-on-target'],
  };
}
