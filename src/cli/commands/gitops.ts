import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Command } from 'commander';
import { formatDiff } from '../../cloud-manager/diff';
import { loadConfiguredPrices } from '../../config/prices';
import { costLine } from '../../shared/cost';
import { loadConfig, resolveApprovalPolicy, type Config } from '../../config';
import { applyPlan, type AppliedEntry } from '../../gitops/apply';
import {
  applyReason,
  checkoutRepository,
  gitInfo,
  gitUrlProblem,
  isGitUrl,
  repositoryName,
  safeSubfolder,
  type GitInfo,
} from '../../gitops/git';
import { hasChanges, planFolder, type PlanEntry } from '../../gitops/plan';
import { checkPolicies, readSpecFolder, type SpecFolder } from '../../gitops/spec-folder';
import { tagsOf } from '../../shared/cluster-tags';
import type { DriftInput, DriftResult } from '../../shared/drift';
import { formatDuration, parseDuration } from '../../shared/durations';
import { refuseControlCharacters, shellQuote } from '../../shared/terminal-text';
import { cliApiClient } from '../environment-option';
import { exitCodeOfEnd } from '../exit-codes';
import { reasonFromFlag, requesterFrom } from '../lifecycle-input';
import { action, describeError, printJson, safe } from '../output';
import { waitFromFlags, type WaitFlags } from '../power-input';
import { followRunbook, withTemporal } from '../runbook-client';
import { ensureSearchAttributes } from '../search-attributes-setup';
import { withWaitFlags } from '../wait-options';

/**
 * `imply-runbooks plan -f <folder>` and `apply -f <folder>`: clusters as code. The folder is the
 * desired state; the plan compares it with the account, and apply sends each difference through
 * the one change pipeline (lifecycle for a create, the change runbook for a change or a delete).
 * plan's exit code is for CI: 0 nothing to do, 2 changes, 1 an error.
 */

interface FolderFlags {
  file: string;
  prune?: boolean;
  owner?: string;
  config?: string;
  json?: boolean;
  apiUrl?: string;
  vanityDomain?: string;
}

interface ApplyFlags extends FolderFlags, WaitFlags {
  as?: string;
  reason?: string;
  wait?: boolean;
}

const PLAN_EXIT = { nothing: 0, error: 1, changes: 2 } as const;

/**
 * Commands whose exit code says "changes" with 2 (plan, drift run) answer a usage error with 1, as
 * any other error, so CI never reads a mistyped flag as a plan with changes.
 */
export class DetailedExitUsageError extends Error {
  readonly exitCode = PLAN_EXIT.error;
}

function withDetailedExit(command: Command): Command {
  return command.exitOverride((error) => {
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) throw error;
    throw new DetailedExitUsageError(error.message);
  });
}

function withFolderOptions(command: Command): Command {
  return command
    .requiredOption('-f, --file <folder>', 'the folder of cluster specs (one YAML or JSON file per cluster)')
    .option('--prune', 'delete clusters this folder created and no longer has')
    .option(
      '--owner <name>',
      'whose clusters these are: the imply-runbooks/managed-by tag (default: the folder name)',
    )
    .option('--config <file>', 'configuration (default: IMPLY_RUNBOOKS_CONFIG, ./imply-runbooks.config.yaml)')
    .option(
      '--api-url <url>',
      'Cloud Manager API base URL of the default environment (default: IMPLY_API_URL)',
    )
    .option('--vanity-domain <name>', 'Imply Cloud account name (default: IMPLY_VANITY_DOMAIN)')
    .option('--json', 'print JSON');
}

export interface FolderPlan {
  folder: SpecFolder;
  git?: GitInfo;
  entries: PlanEntry[];
}

/** Reads the folder and plans it against every environment its files name. Reads only. */
export async function planFromFlags(flags: FolderFlags, config: Config): Promise<FolderPlan> {
  refuseControlCharacters(flags.file, '-f');
  const folder = readSpecFolder(flags.file, flags.owner?.trim() || undefined);
  checkPolicies(
    folder,
    (cluster) => resolveApprovalPolicy(config, { name: cluster.name, tags: tagsOf(cluster.request) }).name,
  );
  const environments = [...new Set(folder.clusters.map((cluster) => cluster.options.environment))];
  if (!environments.includes(undefined)) environments.unshift(undefined);
  // The table plans and the savings report price with: the default, with the configuration's on top.
  const prices = loadConfiguredPrices(config);
  const entries: PlanEntry[] = [];
  for (const environment of environments) {
    const api = cliApiClient({ ...flags, environment }, process.env, config);
    const live = await api.listClusters();
    entries.push(...planFolder(folder, live, { environment, prune: flags.prune, prices }));
  }
  const git = gitInfo(flags.file);
  return { folder, entries, ...(git ? { git } : {}) };
}

const SYMBOL: Record<PlanEntry['action'], string> = {
  create: '+',
  change: '~',
  delete: '-',
  unchanged: '=',
  unmanaged: '?',
  prunable: '!',
};

/** The plan as people read it. Pure. */
export function planLines(plan: FolderPlan): string[] {
  const count = (action: PlanEntry['action']) =>
    plan.entries.filter((entry) => entry.action === action).length;
  const where = plan.git
    ? ` at ${plan.git.commit.slice(0, 12)} (${plan.git.author}${plan.git.dirty ? ', uncommitted changes' : ''})`
    : '';
  const lines = [
    `Plan for ${plan.folder.folder}${where}, owner ${plan.folder.owner}: ` +
      `${count('create')} to create, ${count('change')} to change, ${count('delete')} to delete, ` +
      `${count('unchanged')} unchanged, ${count('unmanaged')} unmanaged` +
      (count('prunable') > 0 ? `, ${count('prunable')} removed from the folder (--prune deletes them)` : ''),
  ];
  for (const entry of plan.entries) {
    const env = entry.environment ? ` [${entry.environment}]` : '';
    const file = entry.file ? ` (${entry.file})` : '';
    lines.push(`  ${SYMBOL[entry.action]} ${entry.action.padEnd(9)} ${entry.name}${env}${file}`);
    if (entry.fields) {
      const diff = formatDiff(entry.fields.map((field) => ({ ...field, kind: 'changed' as const })));
      for (const line of diff.split('\n')) lines.push(`      ${line}`);
      for (const request of entry.requests ?? []) {
        lines.push(`      → ${request.kind}: ${request.changes.map((change) => change.path).join(', ')}`);
      }
    }
    const cost = entry.action === 'unchanged' ? undefined : costLine(entry.cost);
    if (cost) lines.push(`      ${cost}`);
    if (entry.note && entry.action !== 'unmanaged') lines.push(`      ${entry.note}`);
  }
  if (!hasChanges(plan.entries)) lines.push('Nothing to do: the account matches the folder.');
  return lines;
}

function planJson(plan: FolderPlan) {
  return {
    folder: plan.folder.folder,
    owner: plan.folder.owner,
    ...(plan.git ? { git: plan.git } : {}),
    changes: hasChanges(plan.entries),
    entries: plan.entries,
  };
}

async function runPlan(flags: FolderFlags): Promise<void> {
  try {
    const config = loadConfig({ path: flags.config });
    const plan = await planFromFlags(flags, config);
    if (flags.json) printJson(planJson(plan));
    else for (const line of planLines(plan)) console.log(safe`${line}`);
    process.exitCode = hasChanges(plan.entries) ? PLAN_EXIT.changes : PLAN_EXIT.nothing;
  } catch (error) {
    console.error(`imply-runbooks: ${describeError(error)}`);
    process.exitCode = PLAN_EXIT.error;
  }
}

function appliedLine(applied: AppliedEntry): string {
  const runbook = applied.runbookId ? ` ${applied.runbookId}` : '';
  const approval = applied.needsApproval ? ' (waits for approval)' : '';
  return `  ${applied.action} ${applied.name}: ${applied.outcome}${runbook}${approval}: ${applied.message}`;
}

async function runApply(flags: ApplyFlags): Promise<void> {
  try {
    const config = loadConfig({ path: flags.config });
    const plan = await planFromFlags(flags, config);
    const requester = requesterFrom(flags.as);
    const reason = applyReason(plan.folder.folder, plan.git, reasonFromFlag(flags.reason));
    if (!flags.json) for (const line of planLines(plan)) console.log(safe`${line}`);
    if (!hasChanges(plan.entries)) {
      if (flags.json) printJson({ ...planJson(plan), applied: [] });
      return;
    }
    await withTemporal(async (client, settings) => {
      await ensureSearchAttributes(client.connection, settings.namespace);
      const applied = await applyPlan(
        {
          client,
          config,
          taskQueue: settings.taskQueue,
          apiOf: (environment) => cliApiClient({ ...flags, environment }, process.env, config),
          wait: waitFromFlags(flags),
        },
        plan.folder,
        plan.entries,
        { requester, reason },
      );
      if (!flags.json) {
        console.log('Applied:');
        for (const entry of applied) console.log(safe`${appliedLine(entry)}`);
      }
      if (applied.some((entry) => entry.outcome === 'refused')) process.exitCode = 2;
      const runbooks = [...new Set(applied.flatMap((entry) => (entry.runbookId ? [entry.runbookId] : [])))];
      if (!flags.wait) {
        if (flags.json) printJson({ ...planJson(plan), applied });
        else for (const id of runbooks) console.log(safe`Follow it: imply-runbooks status ${shellQuote(id)}`);
        return;
      }
      // Every runbook runs at once; their progress prints one after another, each under its id.
      const ends = [];
      for (const id of runbooks) {
        if (!flags.json) console.log(safe`${id}:`);
        const end = await followRunbook(client.workflow.getHandle(id), (line) =>
          flags.json ? undefined : console.log(safe`  ${line}`),
        );
        if (end) ends.push({ runbookId: id, end });
      }
      if (flags.json) printJson({ ...planJson(plan), applied, ends });
      const worst = Math.max(
        0,
        ...ends.map(({ end }) => exitCodeOfEnd(end as Parameters<typeof exitCodeOfEnd>[0])),
      );
      if (worst > 0) process.exitCode = worst;
    });
  } catch (error) {
    console.error(`imply-runbooks: ${describeError(error)}`);
    process.exitCode = 1;
  }
}

/** `plan -f <folder>` and `apply -f <folder>`. */
export function registerGitopsCommands(program: Command): void {
  withFolderOptions(
    withDetailedExit(program.command('plan')).description(
      'Compare a folder of cluster specs with the account: create, change, delete, unchanged, unmanaged ' +
        '(exit 0: nothing to do, 2: changes, 1: error)',
    ),
  ).action((flags: FolderFlags) => runPlan(flags));
  withWaitFlags(
    withFolderOptions(
      program
        .command('apply')
        .description(
          'Apply a folder of cluster specs: one runbook per change through policies and approvals; ' +
            'running it again joins the runbooks in flight',
        ),
    ),
    'how long each transition may take',
  )
    .option('--as <user>', 'who asks (default: IMPLY_RUNBOOKS_USER, else the OS user); they cannot approve')
    .option('--reason <text>', 'why, shown to approvers beside the commit')
    .option('--wait', 'follow every runbook until it ends')
    .action((flags: ApplyFlags) => runApply(flags));
}

interface DriftFlags {
  file: string;
  path?: string;
  ref?: string;
  owner?: string;
  open?: boolean;
  every?: string;
  json?: boolean;
}

const MIN_DRIFT_INTERVAL_MS = 60_000;

/** The drift check's input from flags: the folder as an absolute path (the worker reads it). */
function driftInput(flags: DriftFlags): DriftInput {
  refuseControlCharacters(flags.file, '-f');
  const mode = flags.open ? 'open' : 'report';
  const owner = flags.owner?.trim() || undefined;
  if (!isGitUrl(flags.file)) {
    if (flags.path || flags.ref)
      throw new Error('--path and --ref go with a repository URL as -f, not a folder');
    const folder = path.resolve(flags.file);
    // Checked here too, so a bad folder is refused now rather than at the first scheduled run.
    return { folder, owner: readSpecFolder(folder, owner).owner, mode };
  }
  const problem = gitUrlProblem(flags.file);
  if (problem) throw new Error(`-f ${problem}`);
  const subfolder = safeSubfolder(flags.path);
  // Read once here as the worker will, so a wrong URL, branch or folder is refused now.
  const checkout = checkoutRepository(flags.file, path.join(tmpdir(), 'imply-runbooks-drift-cli'), flags.ref);
  const name = subfolder === '.' ? repositoryName(flags.file) : path.posix.basename(subfolder);
  const specs = readSpecFolder(path.join(checkout, subfolder), owner ?? name);
  return {
    folder: flags.file,
    ...(subfolder !== '.' ? { path: subfolder } : {}),
    ...(flags.ref ? { ref: flags.ref } : {}),
    owner: specs.owner,
    mode,
  };
}

/** `drift:<owner>`: one drift schedule per folder owner. Pure. */
export function driftScheduleId(owner: string): string {
  return `drift:${owner}`;
}

async function scheduleDrift(flags: DriftFlags): Promise<void> {
  const input = driftInput(flags);
  const everyMs = parseDuration(flags.every ?? '', '--every');
  if (everyMs < MIN_DRIFT_INTERVAL_MS)
    throw new Error(`--every ${flags.every}: check at most once a minute (e.g. --every 1h)`);
  const scheduleId = driftScheduleId(input.owner as string);
  await withTemporal(async (client, settings) => {
    await ensureSearchAttributes(client.connection, settings.namespace);
    const options = {
      scheduleId,
      spec: { intervals: [{ every: everyMs }] },
      action: {
        type: 'startWorkflow' as const,
        workflowType: 'driftCheck',
        args: [input],
        taskQueue: settings.taskQueue,
        workflowId: scheduleId,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    };
    let verb = 'Created';
    try {
      await client.schedule.create(options);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule
        .getHandle(scheduleId)
        .update((previous) => ({ ...previous, spec: options.spec, action: options.action }));
      verb = 'Updated';
    }
    if (flags.json) return printJson({ scheduleId, every: flags.every, ...input });
    console.log(
      safe`${verb} schedule ${scheduleId}: every ${formatDuration(everyMs)}, ${input.mode === 'open' ? 'opens a change for approval' : 'reports'} drift of ${input.folder}`,
    );
    console.log(
      safe`Run it now: temporal schedule trigger --schedule-id ${shellQuote(scheduleId)}; or imply-runbooks drift run -f ${shellQuote(flags.file)}`,
    );
  });
}

async function runDrift(flags: DriftFlags): Promise<void> {
  const input = driftInput(flags);
  await withTemporal(async (client, settings) => {
    await ensureSearchAttributes(client.connection, settings.namespace);
    const handle = await client.workflow.start('driftCheck', {
      args: [input],
      taskQueue: settings.taskQueue,
      workflowId: `${driftScheduleId(input.owner as string)}:${new Date().toISOString()}`,
    });
    const end = await followRunbook<DriftResult>(handle, (line) =>
      flags.json ? undefined : console.log(safe`${line}`),
    );
    if (!end) return;
    if (flags.json) return printJson(end);
    if (end.outcome !== 'completed') {
      process.exitCode = exitCodeOfEnd(end);
      return;
    }
    const result = end.result as DriftResult;
    for (const cluster of result.report.drifted) {
      console.log(safe`  ${cluster.action} ${cluster.name}: ${cluster.lines.join('; ')}`);
    }
    for (const change of result.opened ?? []) {
      console.log(
        safe`  opened ${change.name}: ${change.outcome} ${change.runbookId ?? ''}: ${change.message}`,
      );
    }
    // Like plan: 2 when something drifted, for scripts.
    if (result.outcome === 'drift') process.exitCode = PLAN_EXIT.changes;
  });
}

/** `drift schedule` and `drift run`. */
export function registerDriftCommands(program: Command): void {
  const drift = program
    .command('drift')
    .description('Find clusters that differ from a folder of specs, on a schedule or now');
  drift
    .command('schedule')
    .description(
      'Check a folder of specs against the account on a Temporal Schedule (the worker reads the folder)',
    )
    .requiredOption(
      '-f, --file <folder or repository>',
      'the folder of cluster specs as a path the worker can read, or a Git URL it can clone',
    )
    .option('--path <folder>', 'with a repository URL: the folder of specs inside it (default its root)')
    .option('--ref <branch>', 'with a repository URL: the branch or tag (default the remote HEAD)')
    .requiredOption('--every <duration>', 'how often: 1h, 30m, 1d')
    .option('--open', 'open a change for approval for each drifted cluster (default: report only)')
    .option('--owner <name>', 'the managed-by owner (default: the folder name)')
    .option('--json', 'print JSON')
    .action(action((flags: DriftFlags) => scheduleDrift(flags)));
  withDetailedExit(drift.command('run'))
    .description(
      'Check a folder of specs against the account now, through the same drift check (exit 2 on drift)',
    )
    .requiredOption(
      '-f, --file <folder or repository>',
      'the folder of cluster specs as a path the worker can read, or a Git URL it can clone',
    )
    .option('--path <folder>', 'with a repository URL: the folder of specs inside it (default its root)')
    .option('--ref <branch>', 'with a repository URL: the branch or tag (default the remote HEAD)')
    .option('--open', 'open a change for approval for each drifted cluster')
    .option('--owner <name>', 'the managed-by owner (default: the folder name)')
    .option('--json', 'print JSON')
    .action(async (flags: DriftFlags) => {
      try {
        await runDrift(flags);
      } catch (error) {
        // Like plan: any error is 1, since 2 means drift.
        console.error(`imply-runbooks: ${describeError(error)}`);
        process.exitCode = PLAN_EXIT.error;
      }
    });
}
