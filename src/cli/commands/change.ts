import { exitCodeOfEnd } from '../exit-codes';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import type { ChangeRequest, ChangeResult, RollbackDecision } from '../../shared/change';
import { parseTypedSpecChange } from '../../cloud-manager/path-types';
import { submitChange } from '../../triggers/submit-change';
import { pendingApprovalQuery } from '../../workflows/approval-messages';
import { rollbackDecisionSignal } from '../../workflows/change-messages';
import { deciderIdentity } from '../decider';
import { ackLines, reportChangeEnd } from '../change-output';
import {
  cliApiClient,
  environmentFromFlags,
  taskQueueOf,
  withEnvironmentOption,
} from '../environment-option';
import { reasonFromFlag, requesterFrom } from '../lifecycle-input';
import { action, printJson, safe } from '../output';
import { refuseControlCharacters, shellQuote } from '../../shared/terminal-text';
import { waitFromFlags, type ApiFlags, type WaitFlags } from '../power-input';
import { followRunbook, withTemporal } from '../runbook-client';
import { ensureSearchAttributes } from '../search-attributes-setup';
import { withWaitFlags } from '../wait-options';

interface ChangeFlags extends ApiFlags, WaitFlags {
  reason?: string;
  as?: string;
  wait?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withChangeOptions(command: Command): Command {
  return withWaitFlags(
    withEnvironmentOption(command),
    'how long the update may take before it is rolled back',
  )
    .option('--reason <text>', 'why, shown to approvers')
    .option(
      '--as <user>',
      'who asks (default: IMPLY_RUNBOOKS_USER, else the OS user); they cannot approve it',
    )
    .option(
      '--config <file>',
      'configuration with the policies (default: IMPLY_RUNBOOKS_CONFIG, ./imply-runbooks.config.yaml)',
    )
    .option('--api-url <url>', 'Cloud Manager API base URL (default: IMPLY_API_URL)')
    .option('--vanity-domain <name>', 'Imply Cloud account name (default: IMPLY_VANITY_DOMAIN)')
    .option('--wait', 'follow the steps live until the runbook ends')
    .option('--json', 'print JSON');
}

/** `imply-runbooks scale | upgrade | restore | delete <cluster>` and `rollback <runbook-id>`. */
export function registerChangeCommands(program: Command): void {
  withChangeOptions(
    program
      .command('scale <cluster>')
      .description('Scale a cluster (uid or name) through policy, approval, verification and rollback')
      .requiredOption(
        '--set <path=value>',
        'a field to set, e.g. data.tier1.replicas=4 (repeatable)',
        collect,
      ),
  ).action(
    action((cluster: string, flags: ChangeFlags & { set: string[] }) =>
      runChange(cluster, flags, {
        kind: 'scale',
        changes: flags.set.map((text) => parseTypedSpecChange(text)),
      }),
    ),
  );
  withChangeOptions(
    program
      .command('update <cluster>')
      .description(
        'Change other fields of a cluster (scale for replicas and instance types, upgrade for the version); ' +
          'a person approves unless a policy lists the exact paths, and always for security-relevant ones',
      )
      .requiredOption(
        '--set <path=value>',
        'a field to set, e.g. pivot.accessMode=DIRECT (repeatable)',
        collect,
      ),
  ).action(
    action((cluster: string, flags: ChangeFlags & { set: string[] }) =>
      runChange(cluster, flags, {
        kind: 'update',
        changes: flags.set.map((text) => parseTypedSpecChange(text)),
      }),
    ),
  );
  withChangeOptions(
    program
      .command('upgrade <cluster>')
      .description('Upgrade a cluster to another Imply version; verification checks the version it reports')
      .requiredOption('--version <version>', 'the version to run, e.g. 2022.01'),
  ).action(
    action((cluster: string, flags: ChangeFlags & { version: string }) =>
      runChange(cluster, flags, {
        kind: 'upgrade',
        changes: [{ path: 'spec.version', value: flags.version.trim() }],
      }),
    ),
  );
  withChangeOptions(
    program
      .command('restore <cluster>')
      .description(
        'Put back the configuration a cluster had at a resource version (the plan shows current against it)',
      )
      .requiredOption('--to-version <n>', 'the resource version to go back to'),
  ).action(
    action((cluster: string, flags: ChangeFlags & { toVersion: string }) => {
      if (!/^\d+$/.test(flags.toVersion.trim()))
        throw new Error(`--to-version "${flags.toVersion}" is not a resource version (0, 1, 2…)`);
      return runChange(cluster, flags, { kind: 'restore', toVersion: Number(flags.toVersion) });
    }),
  );
  withChangeOptions(
    program
      .command('delete <cluster>')
      .description(
        'Delete a cluster (refused for protected ones; approval per policy) and confirm its id is gone',
      ),
  ).action(action((cluster: string, flags: ChangeFlags) => runChange(cluster, flags, { kind: 'delete' })));
  registerRollbackCommand(program);
}

async function runChange(
  idOrName: string,
  flags: ChangeFlags,
  change: Pick<ChangeRequest, 'kind' | 'changes' | 'toVersion'>,
): Promise<void> {
  refuseControlCharacters(idOrName, 'the cluster');
  const requester = requesterFrom(flags.as);
  const request: ChangeRequest = { ...change, requester, source: 'cli' };
  const reason = reasonFromFlag(flags.reason);
  if (reason) request.reason = reason;
  const config = loadConfig({ path: flags.config });
  const environment = environmentFromFlags(flags, process.env, config);
  const api = cliApiClient(flags, process.env, config);
  await withTemporal(async (client, settings) => {
    await ensureSearchAttributes(client.connection, settings.namespace);
    const taskQueue = taskQueueOf(environment, settings.taskQueue);
    const dependencies = { api, client, taskQueue, config, environment: environment.name };
    const { ack, input } = await submitChange(dependencies, idOrName, request, waitFromFlags(flags));
    const handle = client.workflow.getHandle(ack.runbookId);
    const pending = ack.needsApproval
      ? await handle.query(pendingApprovalQuery).catch(() => undefined)
      : undefined;
    if (flags.json && !flags.wait) return printJson({ ...ack, ...(pending ? { plan: pending.plan } : {}) });
    if (!flags.json) for (const line of ackLines(ack, input, requester, pending)) console.log(safe`${line}`);
    if (!flags.wait) return console.log(safe`Follow it: imply-runbooks status ${shellQuote(ack.runbookId)}`);
    const end = await followRunbook<ChangeResult>(handle, (line) =>
      flags.json ? undefined : console.log(safe`${line}`),
    );
    if (!end) return;
    if (flags.json) printJson(end);
    const ended = reportChangeEnd(end);
    if (!flags.json) for (const line of ended.lines) (ended.ok ? console.log : console.error)(safe`${line}`);
    if (!ended.ok) process.exitCode = exitCodeOfEnd(end);
  });
}

function registerRollbackCommand(program: Command): void {
  program
    .command('rollback <runbook-id>')
    .description(
      'Answer a change runbook whose rollback failed: --retry it, or --abandon and leave the cluster',
    )
    .option('--retry', 'try the rollback again')
    .option('--abandon', 'stop trying: the runbook ends failed, the cluster stays as it is')
    .option('--as <user>', 'who decides (default: IMPLY_RUNBOOKS_USER)')
    .option('--comment <text>', 'a note kept in the result')
    .action(
      action(
        async (
          runbookId: string,
          flags: { retry?: boolean; abandon?: boolean; as?: string; comment?: string },
        ) => {
          if (Boolean(flags.retry) === Boolean(flags.abandon))
            throw new Error('give exactly one of --retry or --abandon');
          const decision: RollbackDecision = {
            decision: flags.retry ? 'retry' : 'abandon',
            decider: deciderIdentity(flags.as),
            ...(flags.comment?.trim() ? { comment: reasonFromFlag(flags.comment, '--comment') } : {}),
          };
          await withTemporal((client) =>
            client.workflow.getHandle(runbookId).signal(rollbackDecisionSignal, decision),
          );
          console.log(
            safe`Sent ${decision.decision} to ${runbookId}: follow it with imply-runbooks status ${shellQuote(runbookId)}`,
          );
        },
      ),
    );
}
