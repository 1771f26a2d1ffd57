import type { BenchResult } from './bench-result';
import type { ContenderRun, FleetSizeResult } from './fleet-bench';

/** The results of one run as a markdown page: parameters, targets, then one table per benchmark. Pure. */

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const ratio = (value: number) => `${value.toFixed(2)}×`;
const MB = 1024 * 1024;

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

const CONTENDER_NAMES = {
  sequential: 'sequential script',
  concurrent: 'hand-written concurrent script',
  ours: 'ours (schedule trigger)',
} as const;

function fleetRow(size: FleetSizeResult, run: ContenderRun): string[] {
  const name =
    CONTENDER_NAMES[run.contender] +
    (run.extrapolatedFrom ? ` *(extrapolated from N=${run.extrapolatedFrom})*` : '');
  return [
    String(size.n),
    name,
    seconds(run.wallMs),
    String(run.requests),
    (run.requests / run.n).toFixed(2),
    String(run.throttled),
    run.historyEvents === undefined
      ? '–'
      : `${run.historyEvents} (${(run.historyEvents / run.n).toFixed(0)} per cluster)`,
    run.largestHistory === undefined
      ? '–'
      : `${run.largestHistory}${(run.fleetRuns ?? 1) > 1 ? ` (fleet in ${run.fleetRuns} runs)` : ''}`,
    run.extrapolatedFrom ? '–' : `${run.stopped}/${run.n}`,
    seconds(run.boundMs),
    ratio(run.wallMs / run.boundMs),
    ratio(run.wallMs / size.floorMs),
  ];
}

function fleetSection(result: BenchResult, chartFile: string): string[] {
  const fleet = result.fleet ?? [];
  const { options } = result;
  const header = [
    'N',
    'contender',
    'wall (s)',
    'requests',
    'per cluster',
    '429s',
    'history events',
    'largest history',
    'stopped',
  ];
  const rows = fleet.flatMap((size) => size.runs.map((run) => fleetRow(size, run)));
  const pace = fleet.flatMap((size) => {
    const ours = size.runs.find((run) => run.contender === 'ours');
    if (ours?.childStartsPerSecond === undefined) return [];
    const took =
      ours.meanRunbookMs === undefined ? '' : `, each taking ${seconds(ours.meanRunbookMs)} s on average`;
    return [`at ${ours.childStartsPerSecond.toFixed(2)} a second at N=${size.n}${took}`];
  });
  return [
    `## Fleet stop: N clusters, each stop taking T = ${seconds(options.transitionMs)} s, API limit R = ${options.rateLimit} requests/s`,
    '',
    `Ours and the hand-written script both keep to ${options.fleetRate} requests/s with ${options.concurrency} clusters at once; ` +
      `both scripts poll every ${seconds(options.scriptPollMs)} s. Requests and 429s are counted by the emulator.`,
    '',
    ...table([...header, 'bound (s)', '× bound', '× floor'], rows),
    '',
    "*bound* = max(T + one request, requests sent / R, N / R + T): the least time the rate limit allows for the requests that contender sent, its N PATCHes and the last one's transition. " +
      '*floor* = the same for N + 1 requests, the fewest any script needs (one PATCH per cluster, one list read).',
    ...(pace.length ? ['', `Ours started its power runbooks ${pace.join('; ')}.`] : []),
    '',
    `![fleet stop chart](${chartFile})`,
    '',
  ];
}

function lifecycleSection(result: BenchResult): string[] {
  const lifecycle = result.lifecycle;
  if (!lifecycle) return [];
  const row = [
    String(lifecycle.runbooks),
    String(lifecycle.completed),
    seconds(lifecycle.wallMs),
    lifecycle.runbooksPerMinute.toFixed(0),
    `${lifecycle.historyEvents.mean.toFixed(0)} / ${lifecycle.historyEvents.max}`,
    lifecycle.apiCallsPerRunbook.toFixed(1),
    `${(lifecycle.memory.peakRssBytes / MB).toFixed(0)} MB`,
  ];
  const header = [
    'runbooks',
    'completed',
    'wall (s)',
    'runbooks/min',
    'history events with children (mean / max)',
  ];
  return [
    `## Lifecycle throughput: ${lifecycle.runbooks} runbooks at once, instant transitions, no approval`,
    '',
    `Each runbook: ${lifecycle.plan}. Memory: ${lifecycle.memory.how} (lifetime peak ${(lifecycle.memory.lifetimePeakBytes / MB).toFixed(0)} MB).`,
    '',
    ...table([...header, 'API calls per runbook', 'peak worker RSS'], [row]),
    ...(lifecycle.failures.length ? ['', `Failed: ${lifecycle.failures.slice(0, 5).join('; ')}`] : []),
    '',
  ];
}

function waitingSection(result: BenchResult): string[] {
  const waiting = result.waiting;
  if (!waiting) return [];
  const rows = waiting.runs.map((run) => [
    run.name,
    run.transitionMs === 0 ? 'instant' : `${run.transitionMs / 60_000} min`,
    run.name === 'every-second' ? 'every 1 s' : '1 s doubling to 60 s (default)',
    String(run.apiCalls),
    String(run.polls),
    String(run.historyEvents),
  ]);
  return [
    `## Waiting cost: one cluster whose stop takes ${waiting.transitionMs / 60_000} minutes`,
    '',
    'A power runbook on the time-skipping test server, the cluster behind fake activities that read the server clock.',
    '',
    ...table(['run', 'transition', 'polling', 'API calls', 'polls', 'history events'], rows),
    '',
    `The wait itself (backoff minus instant): ${waiting.waitingCost.apiCalls} API calls and ${waiting.waitingCost.historyEvents} history events; ` +
      `polling every second: ${waiting.everySecondCost.apiCalls} calls and ${waiting.everySecondCost.historyEvents} events.`,
    '',
  ];
}

/** The whole page; `chartFile` is the SVG's name relative to the page. */
export function benchMarkdown(result: BenchResult, chartFile: string): string {
  const { machine } = result;
  const command = ['npm run bench', ...(result.argv.length ? ['--', ...result.argv] : [])].join(' ');
  const load = machine.loadAverage.map((value) => value.toFixed(1)).join(' / ');
  const targets = result.targets.map((entry) => [
    entry.area,
    entry.target,
    `**${entry.status}**`,
    entry.figure,
  ]);
  return [
    `# Benchmark results (${result.startedAt})`,
    '',
    `\`${command}\`: ${seconds(result.durationMs)} s in all, on ${machine.cpus} × ${machine.cpuModel}, ` +
      `Node ${machine.node}, load average ${load} at the start (a shared machine: figures vary from run to run).`,
    '',
    '## Targets',
    '',
    ...table(['area', 'target', 'result', 'figure'], targets),
    '',
    ...(result.fleet?.length ? fleetSection(result, chartFile) : []),
    ...lifecycleSection(result),
    ...waitingSection(result),
  ].join('\n');
}
