/**
 * `npm run test:faults`: the fault suite of issue 7 against a real Temporal dev server, the emulator
 * and `imply-runbooks worker` processes. Ends with a table of figures; exits 1 when one misses its
 * target. `--reduced` is the small version CI runs (test/e2e/fault-suite.test.ts).
 *
 *   npm run test:faults              the full suite (about 10 minutes)
 *   npm run test:faults -- --reduced a few runbooks, four cases side by side (about 2 minutes)
 *   npm run test:faults -- --case emulator   only the cases whose name holds that text
 */
import { parseArgs } from 'node:util';
import { runFaultSuite } from './fault-suite/suite';

const USAGE = `usage: npm run test:faults -- [--reduced] [--case <text>]

  (no option)     the full suite (about 10 minutes)
  --reduced       a few runbooks, four cases side by side (about 2 minutes; CI runs this)
  --case <text>   only the cases whose name holds that text, e.g. --case emulator
  --help          print this and exit

Ends with a table of figures; exits 1 when one misses its target, 2 on bad options.`;

function options(): { reduced?: boolean; case?: string; help?: boolean } {
  try {
    return parseArgs({
      options: {
        reduced: { type: 'boolean', default: false },
        case: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const values = options();
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const started = Date.now();
  console.log(`fault suite (${values.reduced ? 'reduced' : 'full'}): starting a Temporal dev server`);
  const report = await runFaultSuite({
    reduced: values.reduced ?? false,
    only: values.case,
    log: (line) => console.log(line),
  });
  console.log('');
  console.log(report.table);
  console.log(
    `histories scanned: ${report.historiesScanned}; ${Math.round((Date.now() - started) / 1000)} s in all`,
  );
  for (const finding of report.secretsFound) console.log(`  secret ${finding.secret} in ${finding.where}`);
  console.log(
    report.passed ? 'every figure at its target' : 'FAILED: a figure missed its target (see above)',
  );
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`fault suite: ${error.message}`);
      process.exit(2);
    }
    console.error(`fault suite: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
