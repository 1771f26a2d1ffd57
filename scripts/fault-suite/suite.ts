import { scanOutput, scanServerHistories, type SecretFinding } from '../lib/secret-scan';
import { FAULT_CASES, type FaultCase } from './cases';
import { formatFigures, type CaseFigures } from './figures';
import { startSuiteStack } from './stack';

/** Runs the fault cases one after another against one stack, then scans it for the token. */

export interface SuiteOptions {
  /** The small version for CI: fewer runbooks, fewer cases. */
  reduced: boolean;
  log?: (line: string) => void;
  /** How long each case's runbooks may take; default 4 minutes reduced, 10 full. */
  caseDeadlineMs?: number;
  /** Only the cases whose name contains this text. */
  only?: string;
}

export interface SuiteReport {
  rows: CaseFigures[];
  historiesScanned: number;
  secretsFound: SecretFinding[];
  /** Every figure at its target: all completed, no duplicates, no repeated changes, no early retries, no secrets. */
  passed: boolean;
  table: string;
}

/** True when a case's figures are at their targets (and it injected faults at all). Pure. */
export function caseAtTarget(row: CaseFigures): boolean {
  return (
    row.runs > 0 &&
    row.faults > 0 &&
    row.completed === row.runs &&
    row.duplicates === 0 &&
    row.repeatedChanges === 0 &&
    row.earlyRetries === 0
  );
}

/** Starts a Temporal server, runs the cases, scans, stops everything. Bounded by the case deadlines. */
export async function runFaultSuite(options: SuiteOptions): Promise<SuiteReport> {
  const log = options.log ?? (() => {});
  const cases = FAULT_CASES.filter(
    (faultCase) =>
      (!options.reduced || faultCase.reduced) && (!options.only || faultCase.name.includes(options.only)),
  );
  const deadlineMs = options.caseDeadlineMs ?? (options.reduced ? 240_000 : 600_000);
  const startedAt = Date.now();
  const stack = await startSuiteStack();
  try {
    const runCase = async (faultCase: FaultCase) => {
      log(`case: ${faultCase.name}`);
      const caseLog = (line: string) => log(`[${faultCase.name}] ${line.trim()}`);
      const row = await faultCase.run({ stack, reduced: options.reduced, deadlineMs, log: caseLog });
      const seconds = Math.round(row.durationMs / 1000);
      log(`${faultCase.name}: ${row.completed}/${row.runs} completed, ${row.faults} faults, ${seconds} s`);
      for (const problem of row.problems) log(`  not completed: ${problem}`);
      return row;
    };
    const rows: CaseFigures[] = [];
    const shared = cases.filter((faultCase) => !faultCase.exclusive);
    // Reduced: the cases that leave the server alone run side by side, to fit CI's time.
    if (options.reduced) rows.push(...(await Promise.all(shared.map(runCase))));
    else for (const faultCase of shared) rows.push(await runCase(faultCase));
    for (const faultCase of cases.filter((candidate) => candidate.exclusive))
      rows.push(await runCase(faultCase));
    const secrets = { IMPLY_TOKEN: stack.token };
    const scan = await scanServerHistories(stack.client, secrets);
    const secretsFound = [...scan.findings, ...scanOutput('worker output', stack.workerOutput, secrets)];
    return {
      rows,
      historiesScanned: scan.histories,
      secretsFound,
      passed: rows.every(caseAtTarget) && secretsFound.length === 0,
      table: formatFigures(rows, secretsFound.length, Date.now() - startedAt),
    };
  } finally {
    await stack.close();
  }
}
