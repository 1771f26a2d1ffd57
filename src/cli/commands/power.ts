import type { Command } from 'commander';
import { fleetSettings } from '../../shared/fleet-settings';
import { fleetSummaryLines } from '../../shared/fleet-summary';
import {
  fleetStartOptions,
  type FleetInput,
  type FleetSummary,
  type PowerAction,
  type PowerInput,
  type PowerResult,
} from '../../shared/power';
import { parseSelector } from '../../shared/selector';
import type { fleetRunbook } from '../../workflows/fleet';
import { withEnvironmentMemo } from '../../shared/environments';
import {
  cliApiClient,
  environmentFromFlags,
  taskQueueOf,
  withEnvironmentOption,
} from '../environment-option';
import { exitCodeOfEnd } from '../exit-codes';
import { dryRunLines, fleetDryRun } from '../fleet-dry-run';
import { reasonFromFlag, requesterFrom } from '../lifecycle-input';
import { action, printJson, safe } from '../output';
import { shellQuote } from '../../shared/terminal-text';
import {
  describeBusy,
  parseNumberFlag,
  resolveCluster,
  waitFromFlags,
  type ApiFlags,
  type WaitFlags,
} from '../power-input';
import { followRunbook, runbookUiLink, withTemporal, type RunbookEnd } from '../runbook-client';
import { ensureSearchAttributes } from '../search-attributes-setup';
import { registerKeepAliveCommands } from './keep-alive';
import { AlreadyRunning, startPowerRunbook } from '../../operations/cluster-actions';
import { changeWorkflowId } from '../../shared/runbook-ids';
import { withWaitFlags } from '../wait-options';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface PowerFlags extends ApiFlags, WaitFlags {
  wait?: boolean;
  json?: boolean;
  reason?: string;
  as?: string;
}

function withApiAndWaitOptions(command: Command): Command {
  return withWaitFlags(
    withEnvironmentOption(command, { config: true }),
    'how long the stop or start may take',
  )
    .option('--api-url <url>', 'Cloud Manager API base URL, to look up names (default: IMPLY_API_URL)')
    .option('--vanity-domain <name>', 'Imply Cloud account name (default: IMPLY_VANITY_DOMAIN)')
    .option('--wait', 'follow the steps live until the runbook ends')
    .option('--json', 'print JSON');
}

/** `imply-runbooks stop|start <cluster>`, `fleet run` and `keep-alive …`: power runbooks by hand. */
export function registerPowerCommands(program: Command): void {
  for (const powerAction of ['stop', 'start'] as const) {
    withApiAndWaitOptions(
      program
        .command(`${powerAction} <cluster>`)
        .description(
          `${powerAction === 'stop' ? 'Stop' : 'Start'} one cluster (uid or name) through its power runbook`,
        )
        .option('--reason <text>', 'why, for the record')
        .option('--as <user>', 'who asks (default: IMPLY_RUNBOOKS_USER or the OS user)'),
    ).action(action((cluster: string, flags: PowerFlags) => runPower(powerAction, cluster, flags)));
  }
  registerFleetCommand(program);
  registerKeepAliveCommands(program);
}

async function runPower(powerAction: PowerAction, idOrName: string, flags: PowerFlags): Promise<void> {
  const environment = environmentFromFlags(flags);
  const requester = requesterFrom(flags.as);
  const reason = reasonFromFlag(flags.reason);
  const wait = waitFromFlags(flags);
  const cluster = await resolveCluster(idOrName, flags);
  const input: PowerInput = { clusterId: cluster.id, action: powerAction, requester, source: 'person' };
  if (reason) input.reason = reason;
  if (wait) input.wait = wait;
  await withTemporal(async (client, settings) => {
    await ensureSearchAttributes(client.connection, settings.namespace);
    const handle = await startPowerRunbook(client, input, cluster.name, {
      environment: environment.name,
      baseTaskQueue: settings.taskQueue,
    }).catch(async (error) => {
      if (error instanceof AlreadyRunning) {
        throw new Error(
          `cannot ${powerAction} ${cluster.name}: ${await describeBusy(client, changeWorkflowId(cluster.id))}`,
        );
      }
      throw error;
    });
    const link = runbookUiLink(settings, handle.workflowId);
    if (flags.json && !flags.wait)
      return printJson({ runbookId: handle.workflowId, runId: handle.firstExecutionRunId, ui: link });
    console.log(safe`Started runbook ${handle.workflowId} (${powerAction} ${cluster.name})`);
    if (link) console.log(`Temporal UI: ${link}`);
    if (!flags.wait)
      return console.log(safe`Follow it: imply-runbooks status ${shellQuote(handle.workflowId)}`);
    const end = await followRunbook<PowerResult>(handle, (line) => console.log(safe`${line}`));
    if (end) reportPowerEnd(end, flags.json);
  });
}

function reportPowerEnd(end: RunbookEnd<PowerResult>, json?: boolean): void {
  if (end.outcome !== 'completed') {
    if (json) printJson(end);
    else console.error(safe`Runbook ${end.outcome}: ${end.message}`);
    process.exitCode = exitCodeOfEnd(end);
    return;
  }
  const result = end.result;
  if (json) return printJson(result);
  if (result.outcome === 'skipped')
    console.log(safe`Nothing to do: ${result.clusterName} is ${result.reason}`);
  else console.log(safe`Done: ${result.clusterName} (${result.clusterId}) is ${result.finalState}`);
}

interface FleetFlags extends WaitFlags, ApiFlags {
  action: string;
  dryRun?: boolean;
  select?: string[];
  optOutTag?: string;
  concurrency?: string;
  rate?: string;
  maxFailureShare?: string;
  as?: string;
  wait?: boolean;
  json?: boolean;
}

/** Turns `fleet run` flags into a checked fleet input; throws naming the flag. Starts nothing. */
export function fleetInputFromFlags(flags: FleetFlags): FleetInput {
  if (flags.action !== 'stop' && flags.action !== 'start') {
    throw new Error(`--action must be stop or start (got "${flags.action}")`);
  }
  const input: FleetInput = {
    action: flags.action,
    selector: parseSelector(flags.select ?? [], flags.optOutTag),
    requester: requesterFrom(flags.as),
  };
  const concurrency = parseNumberFlag(flags.concurrency, '--concurrency', true);
  const rate = parseNumberFlag(flags.rate, '--rate');
  const share = parseNumberFlag(flags.maxFailureShare, '--max-failure-share');
  if (concurrency !== undefined) input.concurrency = concurrency;
  if (rate !== undefined) input.requestsPerSecond = rate;
  if (share !== undefined) input.maxFailureShare = share;
  const wait = waitFromFlags(flags);
  if (wait) input.wait = wait;
  fleetSettings(input);
  return input;
}

function registerFleetCommand(program: Command): void {
  const fleetRun = program
    .command('fleet')
    .description('Act on many clusters at once')
    .command('run')
    .description('Stop or start every cluster a selector picks, each through its own power runbook')
    .requiredOption('--action <stop|start>', 'what to do to each cluster')
    .option(
      '--select <criterion>',
      'env=test, name=test-*, ids=<uid>,<name> (repeatable; all must match)',
      collect,
    )
    .option(
      '--opt-out-tag <key=value>',
      'clusters with this tag are left alone (default imply-runbooks/schedule=off)',
    )
    .option('--concurrency <n>', 'power runbooks at once (default 10)')
    .option('--rate <n>', 'Cloud Manager requests per second for the whole fleet (default 10)')
    .option('--max-failure-share <share>', 'start no new cluster once this share has failed (default 0.3)')
    .option('--as <user>', 'who asks (default: IMPLY_RUNBOOKS_USER or the OS user)')
    .option('--wait', 'follow the run until it ends and print its summary')
    .option(
      '--dry-run',
      'say which clusters it would stop or start and why each other one is left alone; start nothing',
    )
    .option('--api-url <url>', 'Cloud Manager API base URL, for --dry-run (default: IMPLY_API_URL)')
    .option(
      '--vanity-domain <name>',
      'Imply Cloud account name, for --dry-run (default: IMPLY_VANITY_DOMAIN)',
    )
    .option('--json', 'print JSON');
  withWaitFlags(fleetRun, 'how long each stop or start may take');
  withEnvironmentOption(fleetRun, { config: true }).action(
    action(async (flags: FleetFlags) => {
      const environment = environmentFromFlags(flags);
      const input = fleetInputFromFlags(flags);
      if (flags.dryRun) {
        const api = cliApiClient(flags);
        return withTemporal(async (client, settings) => {
          const report = await fleetDryRun(input, api, { client, namespace: settings.namespace });
          if (flags.json) printJson(report);
          else for (const line of dryRunLines(report)) console.log(safe`${line}`);
        });
      }
      await withTemporal(async (client, settings) => {
        await ensureSearchAttributes(client.connection, settings.namespace);
        const options = withEnvironmentMemo(
          fleetStartOptions(input, taskQueueOf(environment, settings.taskQueue), new Date()),
          environment.name,
        );
        const handle = await client.workflow.start<typeof fleetRunbook>('fleetRunbook', options);
        if (flags.json && !flags.wait)
          return printJson({ runbookId: handle.workflowId, runId: handle.firstExecutionRunId });
        if (!flags.json) console.log(safe`Started fleet run ${handle.workflowId}`);
        if (!flags.wait)
          return console.log(safe`Follow it: imply-runbooks status ${shellQuote(handle.workflowId)}`);
        const end = await followRunbook<FleetSummary>(handle, (line) =>
          flags.json ? undefined : console.log(safe`${line}`),
        );
        if (end) reportFleetEnd(end, flags.json);
      });
    }),
  );
}

function reportFleetEnd(end: RunbookEnd<FleetSummary>, json?: boolean): void {
  if (end.outcome !== 'completed') {
    if (json) printJson(end);
    else console.error(safe`Fleet run ${end.outcome}: ${end.message}`);
    process.exitCode = exitCodeOfEnd(end);
    return;
  }
  const summary = end.result;
  if (json) printJson(summary);
  else for (const line of fleetSummaryLines(summary)) console.log(safe`${line}`);
  // A script must notice clusters left as they were.
  process.exitCode = exitCodeOfEnd(end);
}
