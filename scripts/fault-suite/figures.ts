import type { Cluster } from '../../src/cloud-manager/schemas/cluster';
import type { RequestLogEntry } from '../../src/emulator/server';
import { EXPECTED_FINAL_VERSION, type RunOutcome } from './runbooks';

/** The figures of the suite, computed from what the emulator saw and how each runbook ended. */

export interface CaseFigures {
  name: string;
  runs: number;
  /** Worker kills, server and emulator restarts, and API faults (429, 5xx, dropped answers, latency spikes). */
  faults: number;
  completed: number;
  /** Clusters created beyond one per runbook. */
  duplicates: number;
  /** Resource versions beyond the one PUT and one PATCH each runbook makes: a change applied twice. */
  repeatedChanges: number;
  /** Requests sent again before the Retry-After of their 429 had passed. */
  earlyRetries: number;
  /** 429s whose next attempt was checked against its Retry-After. */
  retriesChecked: number;
  durationMs: number;
  /** Why runbooks did not complete, one line each. */
  problems: string[];
}

/** The log's times are whole milliseconds: allow for rounding. */
const CLOCK_GRANULARITY_MS = 5;

function callerOf(entry: RequestLogEntry): { call: string; attempt: number } | undefined {
  const parts = entry.caller?.split('/');
  if (!parts || parts.length < 3) return undefined;
  const attempt = Number(parts.at(-1));
  return Number.isInteger(attempt) ? { call: parts.slice(0, -1).join('/'), attempt } : undefined;
}

/**
 * Requests of a logical call (runbook and activity, from the caller header) whose next attempt
 * arrived before the Retry-After of a 429 answered to the previous one had passed. Pure.
 */
export function earlyRetries(
  log: readonly RequestLogEntry[],
  retryAfterSeconds: number,
): { early: number; checked: number } {
  const byCall = new Map<string, Array<RequestLogEntry & { attempt: number }>>();
  for (const entry of log) {
    const caller = callerOf(entry);
    if (!caller) continue;
    const entries = byCall.get(caller.call) ?? [];
    entries.push({ ...entry, attempt: caller.attempt });
    byCall.set(caller.call, entries);
  }
  let early = 0;
  let checked = 0;
  for (const entries of byCall.values()) {
    for (const throttled of entries.filter((entry) => entry.status === 429)) {
      const answeredAt = Date.parse(throttled.at) + throttled.durationMs;
      const next = entries.find((entry) => entry.attempt > throttled.attempt);
      if (!next) continue;
      checked += 1;
      if (Date.parse(next.at) < answeredAt + retryAfterSeconds * 1000 - CLOCK_GRANULARITY_MS) early += 1;
    }
  }
  return { early, checked };
}

/** Injected API faults the log shows: 429s, 5xx, answers dropped after commit, latency spikes. Pure. */
export function apiFaults(log: readonly RequestLogEntry[], latencySpikeMs?: number): number {
  return log.filter(
    (entry) =>
      entry.status === 429 ||
      entry.status >= 500 ||
      entry.dropped ||
      (latencySpikeMs !== undefined && entry.durationMs >= latencySpikeMs),
  ).length;
}

/** The API faults by kind, and the requests they came out of, for the suite's log. Pure. */
export function describeApiFaults(log: readonly RequestLogEntry[], latencySpikeMs: number): string {
  const count = (test: (entry: RequestLogEntry) => boolean) => log.filter(test).length;
  const share = (part: number) => `${Math.round((100 * part) / Math.max(log.length, 1))}%`;
  const unavailable = count((entry) => entry.status === 503);
  const throttled = count((entry) => entry.status === 429);
  const committed = count((entry) => entry.committed && entry.mutating);
  const dropped = count((entry) => entry.dropped);
  return (
    `${log.length} requests: ${unavailable} 503s (${share(unavailable)}), ${throttled} 429s (${share(throttled)}), ` +
    `${count((entry) => entry.durationMs >= latencySpikeMs)} latency spikes, ` +
    `${dropped} of ${committed} committed changes answered by a dropped connection`
  );
}

const ofRunbooks = (clusters: readonly Cluster[], outcomes: readonly RunOutcome[]) => {
  const names = new Set(outcomes.map((outcome) => outcome.clusterName));
  return clusters.filter((cluster) => names.has(cluster.metadata.name));
};

/** Clusters beyond one per runbook name (deleted ones count: the list keeps them). Pure. */
export function duplicateClusters(clusters: readonly Cluster[], outcomes: readonly RunOutcome[]): number {
  const mine = ofRunbooks(clusters, outcomes);
  return mine.length - new Set(mine.map((cluster) => cluster.metadata.name)).size;
}

/** Resource versions beyond EXPECTED_FINAL_VERSION over the runbooks that completed. Pure. */
export function repeatedChanges(clusters: readonly Cluster[], outcomes: readonly RunOutcome[]): number {
  const completed = outcomes.filter((outcome) => outcome.completed);
  return ofRunbooks(clusters, completed).reduce(
    (extra, cluster) => extra + Math.max(0, (cluster.status?.resourceVersion ?? 0) - EXPECTED_FINAL_VERSION),
    0,
  );
}

const COLUMNS: Array<[string, (row: CaseFigures) => string]> = [
  ['case', (row) => row.name],
  ['runs', (row) => String(row.runs)],
  ['faults injected', (row) => String(row.faults)],
  ['completed', (row) => `${row.completed}/${row.runs}`],
  ['duplicate clusters', (row) => String(row.duplicates)],
  ['repeated changes', (row) => String(row.repeatedChanges)],
  ['early retries', (row) => `${row.earlyRetries} of ${row.retriesChecked}`],
  ['time', (row) => `${Math.round(row.durationMs / 1000)} s`],
];

/** The table the suite ends with: one row per case, a total (with the wall time), the secrets found. Pure. */
export function formatFigures(
  rows: readonly CaseFigures[],
  secretsFound: number,
  wallTimeMs: number,
): string {
  const total: CaseFigures = {
    name: 'total',
    runs: rows.reduce((sum, row) => sum + row.runs, 0),
    faults: rows.reduce((sum, row) => sum + row.faults, 0),
    completed: rows.reduce((sum, row) => sum + row.completed, 0),
    duplicates: rows.reduce((sum, row) => sum + row.duplicates, 0),
    repeatedChanges: rows.reduce((sum, row) => sum + row.repeatedChanges, 0),
    earlyRetries: rows.reduce((sum, row) => sum + row.earlyRetries, 0),
    retriesChecked: rows.reduce((sum, row) => sum + row.retriesChecked, 0),
    durationMs: wallTimeMs,
    problems: [],
  };
  const cells = [...rows, total].map((row) => COLUMNS.map(([, value]) => value(row)));
  const header = COLUMNS.map(([title]) => title);
  const widths = header.map((title, index) =>
    Math.max(title.length, ...cells.map((line) => line[index]!.length)),
  );
  const render = (line: string[]) =>
    `| ${line.map((text, index) => text.padEnd(widths[index]!)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  const table = [render(header), rule, ...cells.slice(0, -1).map(render), rule, render(cells.at(-1)!)];
  return [...table, '', `secrets found (histories and worker output): ${secretsFound}`].join('\n');
}
