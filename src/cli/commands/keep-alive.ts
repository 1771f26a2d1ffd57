import type { Command } from 'commander';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { findKeepAlives, type KeepAliveRecord } from '../../activities/fleet';
import type { KeepAlive } from '../../shared/power';
import { AlreadyRunning, startKeepAlive } from '../../operations/cluster-actions';
import { environmentFromFlags, withEnvironmentOption } from '../environment-option';
import { reasonFromFlag, requesterFrom } from '../lifecycle-input';
import { action, printJson, printTable, safe } from '../output';
import { shellQuote } from '../../shared/terminal-text';
import { parseUntil, resolveCluster, type ApiFlags } from '../power-input';
import { withTemporal } from '../runbook-client';
import { ensureSearchAttributes } from '../search-attributes-setup';
import { keepAliveWorkflowId } from '../../shared/runbook-ids';

interface KeepAliveFlags extends ApiFlags {
  until?: string;
  reason?: string;
  as?: string;
  json?: boolean;
}

const withApiOptions = (command: Command) =>
  withEnvironmentOption(command, { config: true })
    .option('--api-url <url>', 'Cloud Manager API base URL, to look up names (default: IMPLY_API_URL)')
    .option('--vanity-domain <name>', 'Imply Cloud account name (default: IMPLY_VANITY_DOMAIN)')
    .option('--as <user>', 'who does it (default: IMPLY_RUNBOOKS_USER or the OS user)')
    .option('--json', 'print JSON');

/** `imply-runbooks keep-alive <cluster> --until … --reason …`, `keep-alive list`, `keep-alive cancel <cluster>`. */
export function registerKeepAliveCommands(program: Command): void {
  const keepAlive = withApiOptions(
    program
      .command('keep-alive')
      .description('Keep one cluster running through scheduled stops until a time; list or cancel overrides')
      .argument('[cluster]', 'uid or name of the cluster to keep running')
      .option(
        '--until <time|duration>',
        'when the override ends by itself: 2026-12-01T07:00:00+01:00, or 12h',
      )
      .option('--reason <text>', 'why (shown in the fleet summary and the audit)'),
  ).action(
    action(async (cluster: string | undefined, flags: KeepAliveFlags) => {
      if (!cluster)
        throw new Error('name the cluster: imply-runbooks keep-alive <cluster> --until 12h --reason "…"');
      await setKeepAlive(cluster, flags);
    }),
  );
  keepAlive
    .command('list')
    .description('List keep-alive overrides in force (with --all, every one ever set: the audit)')
    .option('--all', 'include ended and removed overrides')
    .option('--json', 'print JSON')
    .action(
      // `keep-alive` itself has --json too and takes it first wherever it is typed: merge both.
      action(async (_flags: unknown, command: Command) => {
        const flags = command.optsWithGlobals<{ all?: boolean; json?: boolean }>();
        await withTemporal(async (client) =>
          printKeepAlives(await findKeepAlives(client, { all: flags.all }), flags),
        );
      }),
    );
  withApiOptions(
    keepAlive
      .command('cancel <cluster>')
      .description('Remove a keep-alive before its time: scheduled stops apply again')
      .option('--reason <text>', 'why, for the audit'),
  ).action(
    action((cluster: string, _flags: unknown, command: Command) =>
      cancelKeepAlive(cluster, command.optsWithGlobals<KeepAliveFlags>()),
    ),
  );
}

async function setKeepAlive(idOrName: string, flags: KeepAliveFlags): Promise<void> {
  if (!flags.until)
    throw new Error('--until is required: a time (2026-12-01T07:00:00+01:00) or a duration (12h)');
  if (!flags.reason?.trim()) throw new Error('--reason is required: say why the cluster must stay up');
  const until = parseUntil(flags.until);
  const reason = reasonFromFlag(flags.reason) as string;
  const setBy = requesterFrom(flags.as);
  const environment = environmentFromFlags(flags);
  const cluster = await resolveCluster(idOrName, flags);
  const override: KeepAlive = {
    clusterId: cluster.id,
    clusterName: cluster.name,
    until,
    reason,
    setBy,
    setAt: new Date().toISOString(),
  };
  await withTemporal(async (client, settings) => {
    await ensureSearchAttributes(client.connection, settings.namespace);
    let runbookId: string;
    try {
      runbookId = await startKeepAlive(client, override, {
        environment: environment.name,
        baseTaskQueue: settings.taskQueue,
      });
    } catch (error) {
      if (!(error instanceof AlreadyRunning)) throw error;
      throw new Error(
        `${cluster.name} already has a keep-alive: ${await describeExisting(client, cluster.id)}`,
      );
    }
    if (flags.json) return printJson({ runbookId, keepAlive: override });
    console.log(
      safe`Keep-alive set: ${cluster.name} stays running through scheduled stops until ${until} ` +
        safe`(${runbookId}; remove it with imply-runbooks keep-alive cancel ${shellQuote(cluster.name)})`,
    );
  });
}

async function describeExisting(client: Client, clusterId: string): Promise<string> {
  const workflowId = keepAliveWorkflowId(clusterId);
  const existing = (await findKeepAlives(client)).find((record) => record.workflowId === workflowId);
  const what = existing
    ? `until ${existing.until}, set by ${existing.setBy}: ${existing.reason}`
    : workflowId;
  return `${what}. Cancel it first with imply-runbooks keep-alive cancel ${clusterId}`;
}

async function cancelKeepAlive(idOrName: string, flags: KeepAliveFlags): Promise<void> {
  environmentFromFlags(flags);
  const cluster = await resolveCluster(idOrName, flags);
  const by = requesterFrom(flags.as);
  await withTemporal(async (client) => {
    const handle = client.workflow.getHandle(keepAliveWorkflowId(cluster.id));
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING')
        throw new WorkflowNotFoundError('ended', handle.workflowId, undefined);
      await handle.signal('removeKeepAlive', { by, ...(flags.reason ? { reason: flags.reason } : {}) });
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      throw new Error(`${cluster.name} has no keep-alive in force: see imply-runbooks keep-alive list`);
    }
    const end = await handle.result();
    if (flags.json) return printJson(end);
    console.log(safe`Keep-alive of ${cluster.name} removed by ${by}: scheduled stops apply to it again`);
  });
}

function printKeepAlives(records: KeepAliveRecord[], flags: { all?: boolean; json?: boolean }): void {
  if (flags.json) return printJson(records);
  if (records.length === 0) {
    console.log(
      'No keep-alive in force: set one with imply-runbooks keep-alive <cluster> --until 12h --reason "…"',
    );
    return;
  }
  printTable(records, [
    { header: 'CLUSTER', value: (record) => record.clusterName },
    { header: 'UNTIL', value: (record) => record.until },
    { header: 'SET BY', value: (record) => record.setBy },
    { header: 'REASON', value: (record) => record.reason },
    ...(flags.all ? [{ header: 'STATUS', value: (record: KeepAliveRecord) => record.status }] : []),
  ]);
}
