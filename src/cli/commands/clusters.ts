import type { Command } from 'commander';
import type { CloudManagerClient } from '../../cloud-manager/client';
import { diffClusters, formatDiff } from '../../cloud-manager/diff';
import { CloudManagerError, CloudManagerRejected } from '../../cloud-manager/errors';
import type { Cluster } from '../../cloud-manager/schemas/cluster';
import { describeTiers } from '../../cloud-manager/cluster-text';
import { cliApiClient, withEnvironmentOption, type EnvironmentFlags } from '../environment-option';
import { action, printFields, printJson, printTable, type Column } from '../output';
import { escapeControlCharacters } from '../../shared/terminal-text';

/** `imply-runbooks clusters …`: read-only views of the clusters behind the Cloud Manager API. */

interface ConnectionOptions extends EnvironmentFlags {
  json?: boolean;
  vanityDomain?: string;
  apiUrl?: string;
}

function withConnectionOptions(command: Command): Command {
  return withEnvironmentOption(command, { config: true })
    .option('--json', 'print JSON for scripts instead of a table')
    .option('--vanity-domain <name>', 'Imply Cloud account name (default: IMPLY_VANITY_DOMAIN)')
    .option(
      '--api-url <url>',
      'full API base URL, e.g. http://127.0.0.1:8080/api/v1 (default: IMPLY_API_URL)',
    );
}

function clientFor(options: ConnectionOptions): CloudManagerClient {
  return cliApiClient(options);
}

const CLUSTER_COLUMNS: Column<Cluster>[] = [
  { header: 'UID', value: (cluster) => cluster.metadata.uid },
  { header: 'NAME', value: (cluster) => cluster.metadata.name },
  { header: 'STATE', value: (cluster) => cluster.status?.state },
  { header: 'RESOURCE VERSION', value: (cluster) => cluster.status?.resourceVersion },
  { header: 'DESIRED', value: (cluster) => cluster.spec.desiredState ?? cluster.status?.desiredState },
  { header: 'VERSION', value: (cluster) => cluster.spec.version },
  { header: 'DATA TIERS', value: describeTiers },
];

function printCluster(cluster: Cluster, json: boolean | undefined): void {
  if (json) return printJson(cluster);
  const tier = (name: 'master' | 'query') => {
    const value = cluster.spec[name];
    return value ? `${value.replicas}×${value.instanceType}` : undefined;
  };
  const fields: Array<[string, unknown]> = [
    ...CLUSTER_COLUMNS.map((column): [string, unknown] => [
      column.header.toLowerCase(),
      column.value(cluster),
    ]),
    ['master', tier('master')],
    ['query', tier('query')],
  ];
  // A history entry has no status: leave those lines out rather than print placeholders.
  printFields(fields.filter(([, value]) => value !== undefined));
}

/** Parses a resourceVersion argument, naming the argument when it is not a whole number. */
export function parseResourceVersion(text: string, argument: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new CloudManagerRejected(
      `${argument} '${text}' is not a resource version: give a whole number of 0 or more, e.g. 0 (see \`imply-runbooks clusters get <id>\`).`,
    );
  }
  return Number(text.trim());
}

async function findByIdOrName(client: CloudManagerClient, idOrName: string): Promise<Cluster> {
  try {
    return await client.getCluster(idOrName);
  } catch (error) {
    if (!(error instanceof CloudManagerError) || error.status !== 404) throw error;
  }
  const byName = await client.findClusterByName(idOrName);
  if (byName) return byName;
  throw new CloudManagerRejected(`No live cluster has the id or name '${idOrName}'.`, {
    status: 404,
    code: 'NotFound',
    operation: 'GET /clusters/{id}',
  });
}

/** The configuration a reviewer compares: the status (state, resourceVersion) changes on its own. */
function configurationOf(cluster: Cluster): unknown {
  return { metadata: cluster.metadata, spec: cluster.spec };
}

/** Adds `clusters list|get|history|diff`. Read-only commands: they change nothing and are safe to rerun. */
export function registerClusterCommands(program: Command): void {
  const clusters = program.command('clusters').description('Look at clusters through the Cloud Manager API');

  withConnectionOptions(clusters.command('list').description('List clusters, deleted ones included')).action(
    action(async (options: ConnectionOptions) => {
      const list = await clientFor(options).listClusters();
      if (options.json) printJson(list);
      else if (list.length === 0) process.stdout.write('No clusters.\n');
      else printTable(list, CLUSTER_COLUMNS);
    }),
  );

  withConnectionOptions(
    clusters.command('get <id-or-name>').description('Show one cluster, by uid or name'),
  ).action(
    action(async (idOrName: string, options: ConnectionOptions) => {
      printCluster(await findByIdOrName(clientFor(options), idOrName), options.json);
    }),
  );

  withConnectionOptions(
    clusters.command('history <id> <version>').description('Show a cluster as it was at a resource version'),
  ).action(
    action(async (id: string, version: string, options: ConnectionOptions) => {
      const resourceVersion = parseResourceVersion(version, '<version>');
      printCluster(await clientFor(options).getClusterVersion(id, resourceVersion), options.json);
    }),
  );

  withConnectionOptions(
    clusters
      .command('diff <id> <version-a> <version-b>')
      .description('Show what changed in a cluster between two resource versions'),
  ).action(
    action(async (id: string, versionA: string, versionB: string, options: ConnectionOptions) => {
      const before = parseResourceVersion(versionA, '<version-a>');
      const after = parseResourceVersion(versionB, '<version-b>');
      const client = clientFor(options);
      const [first, second] = await Promise.all([
        client.getClusterVersion(id, before),
        client.getClusterVersion(id, after),
      ]);
      const entries = diffClusters(configurationOf(first), configurationOf(second));
      if (options.json) printJson(entries);
      else
        process.stdout.write(
          entries.length === 0
            ? 'No differences.\n'
            : `${formatDiff(entries).split('\n').map(escapeControlCharacters).join('\n')}\n`,
        );
    }),
  );
}
