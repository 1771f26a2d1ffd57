/**
 * `npm run rehearse:production`: docker-compose.yml's production topology run for real without
 * Docker: PostgreSQL (Debian's), Temporal's own server built from its Go module at the compose file's
 * version, the deploy/ setup scripts, 2 workers, 2 web servers and the emulator, each started with the
 * command and environment the compose file gives it. Runs the checks, prints the figures, tears down.
 *
 *   npm run rehearse:production              bring up, check, tear down
 *   npm run rehearse:production -- --reduced fewer clusters and runbooks (CI)
 *   npm run rehearse:production -- --keep    bring up, check, then stay up until Ctrl-C
 *   npm run rehearse:production -- --log services.log   every service's output, for a post-mortem
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkApprovalAcrossReplicas, type CheckOutcome } from './rehearsal/check-approval';
import { checkWorkerKillAndPostgresRestart } from './rehearsal/check-faults';
import { checkScheduledFleetStop, requestLog } from './rehearsal/check-schedule';
import { checkScaleTrigger } from './rehearsal/check-trigger';
import { checkVisibility } from './rehearsal/check-visibility';
import { figuresOf, formatTable, type CheckFigures } from './rehearsal/figures';
import { startTopology, type Topology } from './rehearsal/topology';

const USAGE = `usage: npm run rehearse:production -- [--reduced] [--keep] [--log FILE]

  --reduced   5 clusters in the scheduled fleet stop and 2 runbooks through the faults
  --keep      after the checks, stay up and print the addresses until Ctrl-C
  --log FILE  write every line the services print (Temporal server, workers, web, emulator) to FILE
  --help      print this and exit`;

const log = (line: string) => console.log(line);

async function runChecks(topology: Topology, reduced: boolean): Promise<CheckFigures[]> {
  const checks: Array<[string, () => Promise<CheckOutcome>]> = [
    ['lifecycle with approval', () => checkApprovalAcrossReplicas(topology, log)],
    ['scale trigger', () => checkScaleTrigger(topology, log)],
    ['scheduled fleet stop', () => checkScheduledFleetStop(topology, reduced ? 5 : 20, log)],
    ['faults', () => checkWorkerKillAndPostgresRestart(topology, reduced ? 2 : 5, log)],
  ];
  const figures: CheckFigures[] = [];
  const runbookIds: string[] = [];
  for (const [title, check] of [
    ...checks,
    ['visibility', () => checkVisibility(topology, runbookIds, true, log)] as const,
  ]) {
    log(`==> ${title}`);
    const startedAt = Date.now();
    const outcome = await check();
    runbookIds.push(...outcome.runbookIds);
    for (const note of outcome.notes) log(`  ${note}`);
    figures.push(await figuresOf(topology.client, outcome, startedAt, await requestLog(topology)));
  }
  return figures;
}

function printAddresses(topology: Topology): void {
  log('');
  log('Up (Ctrl-C tears it all down):');
  log(`  Temporal frontend  ${topology.temporalAddress} (PostgreSQL on 127.0.0.1:${topology.postgres.port})`);
  log(`  emulator           ${topology.emulatorUrl}/api/v1 (token: IMPLY_TOKEN of the worker environment)`);
  topology.webUrls.forEach((url, index) => log(`  web server ${'AB'[index] ?? index + 1}       ${url}`));
  log(`  sign in as alice   <web server>/login?token=<IMPLY_RUNBOOKS_TOKEN_ALICE>`);
  log(`  CLI                TEMPORAL_ADDRESS=${topology.temporalAddress} node bin/imply-runbooks.js list`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reduced: { type: 'boolean' },
      keep: { type: 'boolean' },
      log: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(USAGE);
    return 0;
  }
  // Exit through process.exit so the exit hooks stop PostgreSQL and every child.
  process.once('SIGTERM', () => process.exit(143));
  if (!values.keep) process.once('SIGINT', () => process.exit(130));
  const started = Date.now();
  const output: string[] = [];
  if (values.log) {
    // Written as it comes, so that a rehearsal that hangs can be looked into while it hangs.
    const file = createWriteStream(values.log);
    const keep = output.push.bind(output);
    output.push = (...lines: string[]) => {
      for (const line of lines) file.write(`${line}\n`);
      return keep(...lines);
    };
    log(`the services' output goes to ${values.log}`);
  }
  log(`production rehearsal (${values.reduced ? 'reduced' : 'full'}): docker-compose.yml, natively`);
  const topology = await startTopology({ workers: 2, webServers: 2, log, output });
  const upSeconds = Math.round((Date.now() - started) / 1000);
  log(
    `up in ${upSeconds} s (Temporal server ${topology.temporalVersion}: ${topology.buildSeconds ? `built in ${topology.buildSeconds} s` : 'from the cache'})`,
  );
  let failed: unknown;
  try {
    const figures = await runChecks(topology, values.reduced ?? false);
    log('');
    log(formatTable(figures));
    log(
      `${Math.round((Date.now() - started) / 1000)} s in all (${upSeconds} s to bring it up); every check passed`,
    );
  } catch (error) {
    failed = error;
    log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    log('last lines of the services:');
    for (const line of output.slice(-30)) log(`  ${line}`);
  }
  if (values.keep) {
    printAddresses(topology);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  log('tearing down');
  await topology.close();

  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`rehearsal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
