import { exitCodeOfEnd, type EndedResult } from '../exit-codes';
import type { Command } from 'commander';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { LifecycleResult } from '../../shared/runbook';
import { loadConfig, webSettings } from '../../config';
import type { LifecycleInput } from '../../shared/runbook';
import { SEARCH_ATTRIBUTES } from '../../shared/search-attributes';
import { cancelledBySignal } from '../../workflows/change-messages';
import { environmentOfRunbook } from '../../shared/environments';
import { environmentFromFlags, withEnvironmentOption, type EnvironmentFlags } from '../environment-option';
import { lifecycleInputFromFlags, requesterFrom, type LifecycleFlags } from '../lifecycle-input';
import { action, printJson, printTable, safe } from '../output';
import { shellQuote } from '../../shared/terminal-text';
import { formatThreshold } from '../../shared/cost';
import { formatStatus, readStatus } from '../status-view';
import { withSearchAttributes } from '../search-attributes-setup';
import {
  followRunbook,
  runbookUiLink,
  startLifecycle,
  withTemporal,
  type RunbookEnd,
} from '../runbook-client';
import { withWaitFlags } from '../wait-options';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `imply-runbooks run lifecycle | status | list | cancel`: start and watch runbooks. */
export function registerRunbookCommands(program: Command): void {
  const run = program.command('run').description('Start a runbook');
  const lifecycle = run
    .command('lifecycle')
    .description('Create a cluster, wait until RUNNING, scale, verify the version, stop on schedule, delete')
    .requiredOption('--spec <file>', 'cluster JSON as the API takes it (metadata + spec)')
    .option(
      '--scale <path=value>',
      'a change for the scale step, e.g. data.tier1.replicas=2 (repeatable)',
      collect,
    )
    .option('--force', 'send the scale PUT with force=true (allow a disruptive restart)')
    .option('--stop-after <duration>', 'stop this long after the scale, e.g. 8h (at most 30d)')
    .option(
      '--stop-at <time>',
      'stop at this ISO time, e.g. 2026-12-01T19:00:00Z (in the future, within 30 days)',
    )
    .option('--delete-after <duration>', 'delete this long after the stop, e.g. 1d (at most 30d)')
    .option('--delete', 'delete right after the stop')
    .option('--keep', 'keep the cluster at the end (the default)')
    .option(
      '--on-cancel <policy>',
      'what cancelling does to the created cluster: keep, stop or delete',
      'keep',
    )
    .option(
      '--config <file>',
      'configuration with the approval policies (default: IMPLY_RUNBOOKS_CONFIG, ./imply-runbooks.config.yaml, built-in)',
    )
    .option(
      '--as <user>',
      'who asks for the change (default: IMPLY_RUNBOOKS_USER, else the OS user); they cannot approve it',
    )
    .option('--reason <text>', 'why the change is needed, shown to approvers')
    .option('--no-approval', 'apply the scale change without approval: only for test clusters')
    .option('--wait', 'follow the steps live until the runbook ends')
    .option('--json', 'print the runbook id (and with --wait the result) as JSON');
  withWaitFlags(lifecycle, 'how long one create/update/stop may take');
  withEnvironmentOption(lifecycle).action(
    action(async (flags: LifecycleFlags & EnvironmentFlags & { wait?: boolean; json?: boolean }) => {
      const environment = environmentFromFlags(flags);
      const input = lifecycleInputFromFlags(flags);
      await withTemporal(async (client, settings) => {
        const handle = await startLifecycle(client, settings, input, environment.name);
        const link = runbookUiLink(settings, handle.workflowId);
        if (flags.json && !flags.wait)
          return printJson({ runbookId: handle.workflowId, runId: handle.firstExecutionRunId, ui: link });
        console.log(safe`Started runbook ${handle.workflowId}`);
        if (link) console.log(`Temporal UI: ${link}`);
        for (const line of approvalAdvice(input, handle.workflowId, flags.config)) console.log(line);
        if (!flags.wait) {
          console.log(safe`Follow it: imply-runbooks status ${shellQuote(handle.workflowId)}`);
          return;
        }
        const end = await followRunbook<AnyRunbookResult>(handle, (line) => console.log(line));
        if (end) reportEnd(end, flags.json);
      });
    }),
  );

  program
    .command('status <runbook-id>')
    .description("Show a runbook's steps, cluster and outcome")
    .option('--json', 'print the progress as JSON')
    .option('--follow', 'keep printing steps until the runbook ends')
    .action(
      action(async (runbookId: string, flags: { json?: boolean; follow?: boolean }) => {
        await withTemporal(async (client, settings) => {
          if (flags.follow) {
            const handle = client.workflow.getHandle(runbookId);
            await handle.describe();
            const end = await followRunbook<AnyRunbookResult>(handle, (line) => console.log(line));
            if (end) reportEnd(end, flags.json);
            return;
          }
          const view = await readStatus(client, settings.taskQueue, runbookId);
          if (flags.json) return printJson(view);
          for (const line of formatStatus(view)) console.log(line);
        });
      }),
    );

  program
    .command('list')
    .description('List runbooks, newest first, with their cluster and step')
    .option('--json', 'print JSON')
    .option('--query <visibility-query>', 'extra filter, e.g. "ImplyClusterName = \'clusters-example\'"')
    .option('--limit <n>', 'at most this many', '50')
    .action(
      action(async (flags: { json?: boolean; query?: string; limit: string }) => {
        await withTemporal(async (client, settings) => {
          const query = [`${SEARCH_ATTRIBUTES.kind.name} IS NOT NULL`, flags.query]
            .filter(Boolean)
            .join(' AND ');
          const rows: WorkflowExecutionInfo[] = [];
          await withSearchAttributes(client.connection, settings.namespace, async () => {
            for await (const execution of client.workflow.list({ query })) {
              rows.push(execution);
              if (rows.length >= Number(flags.limit)) break;
            }
          });
          const view = rows.map((row) => ({
            runbookId: row.workflowId,
            status: row.status.name,
            environment: environmentOfRunbook(row, settings.taskQueue),
            kind: row.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind),
            cluster: row.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterName),
            clusterId: row.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterId),
            step: row.typedSearchAttributes.get(SEARCH_ATTRIBUTES.step),
            started: row.startTime.toISOString(),
          }));
          if (flags.json) return printJson(view);
          if (view.length === 0)
            return console.log('No runbooks yet: start one with `imply-runbooks run lifecycle --spec …`');
          printTable(view, [
            { header: 'RUNBOOK', value: (row) => row.runbookId },
            { header: 'STATUS', value: (row) => row.status },
            { header: 'ENVIRONMENT', value: (row) => row.environment },
            { header: 'CLUSTER', value: (row) => row.cluster },
            { header: 'STEP', value: (row) => row.step },
            { header: 'STARTED', value: (row) => row.started },
          ]);
        });
      }),
    );

  program
    .command('cancel <runbook-id>')
    .description(
      'Cancel a runbook; a lifecycle runbook applies its cleanup policy (--on-cancel) to the cluster it ' +
        'created, a change runbook past its PUT rolls the change back',
    )
    .option(
      '--as <user>',
      "who cancels, named in a change runbook's rollback (default: IMPLY_RUNBOOKS_USER, else the OS user)",
    )
    .action(
      action(async (runbookId: string, flags: { as?: string }) => {
        await withTemporal(async (client) => {
          const handle = client.workflow.getHandle(runbookId);
          const description = await handle.describe();
          if (description.type === 'changeRunbook' && description.status.name === 'RUNNING') {
            await handle.signal(cancelledBySignal, { by: requesterFrom(flags.as) });
          }
          await handle.cancel();
          console.log(
            safe`Cancellation requested for ${runbookId}: follow it with imply-runbooks status ${shellQuote(runbookId)}`,
          );
        });
      }),
    );
}

/** How to approve the scale change this runbook will ask for, and a warning when nobody else can. */
export function approvalAdvice(input: LifecycleInput, runbookId: string, configPath?: string): string[] {
  const policy = input.approval;
  if (!policy) return [];
  const others = policy.stage.approvers.filter((approver) => approver !== input.requester);
  const page = `${webSettings(loadConfig({ path: configPath })).publicUrl}/approvals/${encodeURIComponent(runbookId)}`;
  const approveAs = others[0] === undefined ? '<approver>' : shellQuote(others[0]);
  const lines = [
    safe`The scale step waits for ${policy.stage.required} approval(s) from ${policy.stage.groups.join(', ')} ` +
      safe`(${policy.stage.approvers.join(', ')}); policy "${policy.name}", requested by ${input.requester}.`,
    safe`Approve it: imply-runbooks approve ${shellQuote(runbookId)} --as ${approveAs}   or on the page: ${page}`,
  ];
  const cost = policy.costDelta;
  if (cost) {
    lines.push(
      safe`If the scale adds more than ${formatThreshold(cost.above)} a month (the plan shows its cost), it also needs ` +
        safe`${cost.required} approval(s) from ${cost.groups.join(', ')} (${cost.approvers.join(', ')}).`,
    );
  }
  if (others.length < policy.stage.required) {
    lines.push(
      safe`Warning: only ${others.length} approver(s) besides ${input.requester}, who cannot approve their own change; ` +
        'it will time out unless the policy escalates. Start it --as someone else, or change the policy.',
    );
  }
  return lines;
}

/** What `status --follow` knows of any runbook's result: a lifecycle's fields, or another's outcome. */
type AnyRunbookResult = Partial<LifecycleResult> & EndedResult;

function reportEnd(end: RunbookEnd<AnyRunbookResult>, json?: boolean): void {
  if (json) printJson(end);
  if (end.outcome === 'completed' && end.result.outcome === 'rejected') {
    if (!json)
      console.error(safe`Runbook ended without applying the change: ${end.result.reason ?? 'rejected'}`);
    process.exitCode = exitCodeOfEnd(end);
    return;
  }
  if (end.outcome === 'completed') {
    // `status --follow` serves every kind of runbook: say what this one's result holds.
    const result = end.result;
    const cluster = result.clusterName
      ? safe`cluster ${result.clusterName} (${result.clusterId})`
      : 'the runbook';
    const why = result.reason ? safe` (${result.reason})` : '';
    const what = result.finalState
      ? safe`is ${result.finalState}`
      : safe`: ${result.outcome ?? 'done'}` + why;
    if (!json) console.log(`Runbook completed: ${cluster} ${what}`.replace(' :', ':'));
    return;
  }
  if (!json) console.error(safe`Runbook ${end.outcome}: ${end.message}`);
  process.exitCode = exitCodeOfEnd(end);
}
