import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { environmentTaskQueue, withEnvironmentMemo } from '../../src/shared/environments';
import { powerStartOptions } from '../../src/shared/power';
import type { LifecycleResult } from '../../src/shared/runbook';
import { spawnManaged, waitForLine, type ManagedProcess } from '../../src/dev/supervisor';
import type { powerRunbook } from '../../src/workflows/power';
import { renderPendingCard } from '../../src/web/approval-views';
import { ApprovalsSource } from '../../src/web/approvals-source';
import { BIN, runCli } from '../../scripts/lib/run-cli';
import {
  approvalGateOf,
  createE2eEnvironment,
  eventually,
  TUTORIAL_CLUSTER,
  type E2eEnvironment,
} from '../helpers/e2e';

/**
 * Several Imply environments served by one deployment: three emulators over HTTP (each its own token),
 * worker processes configured with all of them, runbooks started by the real CLI with --environment.
 */

const ROOT = path.resolve(__dirname, '../..');
const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-environments-'));
const RATE = 2;
// Counted over windows of 10 s with room for the server's burst (and event-time jitter) on top.
const WINDOW_MS = 10_000;
const BURST = 6;

interface Imply {
  emulator: RunningEmulator;
  token: string;
  api: CloudManagerClient;
}

async function startImply(transitionMs: number): Promise<Imply> {
  const token = `e2e_${randomBytes(16).toString('hex')}`;
  const emulator = await startEmulator({ port: 0, transitionMs, tokens: [{ token }] });
  const api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(token) });
  return { emulator, token, api };
}

function specFor(name: string): string {
  const file = path.join(directory, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...TUTORIAL_CLUSTER, metadata: { name } }));
  return file;
}

/** The most timestamps that fall in any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((left, right) => left - right);
  let most = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

describe('several Imply environments in one deployment (dev server, three emulators, worker processes, real CLI)', () => {
  let environment: E2eEnvironment;
  let main: Imply;
  let prod: Imply;
  let slow: Imply;
  let configFile: string;
  const baseTaskQueue = `e2e-env-${randomUUID()}`;
  const workers: ManagedProcess[] = [];
  const workerLines: string[] = [];

  /** What every process gets: the dev server, the base task queue, the configuration file. */
  const common = () => ({
    TEMPORAL_ADDRESS: environment.address,
    IMPLY_RUNBOOKS_TASK_QUEUE: baseTaskQueue,
    IMPLY_RUNBOOKS_CONFIG: configFile,
    IMPLY_RUNBOOKS_USER: 'carol',
  });

  async function startWorker(extraEnv: Record<string, string>, args: string[] = []): Promise<ManagedProcess> {
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(IMPLY_|TEMPORAL_)/.test(key)),
    );
    Object.assign(env, common(), { IMPLY_RUNBOOKS_LOG_LEVEL: 'ERROR' }, extraEnv);
    const managed = spawnManaged(process.execPath, [BIN, 'worker', ...args], {
      env,
      cwd: ROOT,
      ownProcessGroup: true,
      onLine: (line) => workerLines.push(line),
    });
    workers.push(managed);
    await waitForLine(managed, (line) => line.includes('Worker ready'), 120_000, '"Worker ready"');
    return managed;
  }

  before(async () => {
    environment = await createE2eEnvironment();
    [main, prod, slow] = await Promise.all([startImply(200), startImply(200), startImply(300)]);
    configFile = path.join(directory, 'imply-runbooks.config.yaml');
    writeFileSync(
      configFile,
      [
        'environments:',
        '  prod:',
        `    apiUrl: ${prod.emulator.apiUrl}`,
        '    auth: { tokenEnv: IMPLY_E2E_PROD_TOKEN }',
        '  slow:',
        `    apiUrl: ${slow.emulator.apiUrl}`,
        '    auth: { tokenEnv: IMPLY_E2E_SLOW_TOKEN }',
        `    requestsPerSecond: ${RATE}`,
        '',
      ].join('\n'),
    );
    // One worker for every environment; a second one for `slow` only, with only that token.
    await startWorker({
      IMPLY_API_URL: main.emulator.apiUrl,
      IMPLY_TOKEN: main.token,
      IMPLY_E2E_PROD_TOKEN: prod.token,
      IMPLY_E2E_SLOW_TOKEN: slow.token,
    });
    await startWorker({ IMPLY_E2E_SLOW_TOKEN: slow.token }, ['--environments', 'slow']);
  });

  after(async () => {
    for (const worker of workers) await worker.stop(5_000).catch(() => undefined);
    await environment?.close();
    for (const imply of [main, prod, slow]) await imply?.emulator.close();
  });

  it('announces one ready worker per environment, each on its own task queue', () => {
    const ready = workerLines.filter((line) => line.includes('Worker ready'));
    assert.ok(
      ready.some((line) => line.includes(`task queue "${baseTaskQueue}"`) && !line.includes('environment "')),
    );
    assert.ok(
      ready.some((line) => line.includes(`environment "prod", task queue "${baseTaskQueue}-env-prod"`)),
    );
    const slowLines = ready.filter((line) =>
      line.includes(`environment "slow", task queue "${baseTaskQueue}-env-slow"`),
    );
    assert.equal(slowLines.length, 2);
    for (const line of slowLines)
      assert.match(line, /at most 2 activities\/s on the task queue across all workers/);
    for (const imply of [main, prod, slow]) assert.ok(!workerLines.join('\n').includes(imply.token));
  });

  it('runs a runbook in each environment with its own credentials, even for clusters of the same name', async () => {
    const name = `env-same-${randomUUID().slice(0, 8)}`;
    const args = [
      'run',
      'lifecycle',
      '--spec',
      specFor(name),
      '--no-approval',
      '--poll-initial',
      '100ms',
      '--poll-max',
      '500ms',
      '--wait',
    ];
    const [inDefault, inProd] = await Promise.all([
      runCli(args, common()),
      runCli([...args, '--environment', 'prod'], common()),
    ]);
    assert.equal(inDefault.code, 0, inDefault.stderr);
    assert.equal(inProd.code, 0, inProd.stderr);
    assert.match(inDefault.stdout, new RegExp(`Started runbook lifecycle:${name}\\n`));
    assert.match(inProd.stdout, new RegExp(`Started runbook lifecycle:prod:${name}\\n`));

    const resultOf = (id: string) =>
      environment.client.workflow.getHandle(id).result() as Promise<LifecycleResult>;
    const defaultCluster = (await resultOf(`lifecycle:${name}`)).clusterId;
    const prodCluster = (await resultOf(`lifecycle:prod:${name}`)).clusterId;
    const uids = async (imply: Imply) =>
      (await imply.api.listClusters())
        .filter((cluster) => cluster.metadata.name === name)
        .map((cluster) => cluster.metadata.uid);
    assert.deepEqual(await uids(main), [defaultCluster]);
    assert.deepEqual(await uids(prod), [prodCluster]);
    assert.deepEqual(await uids(slow), []);

    // A stop by name looks the cluster up through prod's API (its token, in the CLI's environment).
    const stopped = await runCli(
      ['stop', name, '--environment', 'prod', '--poll-initial', '100ms', '--poll-max', '500ms', '--wait'],
      { ...common(), IMPLY_E2E_PROD_TOKEN: prod.token },
    );
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`Done: ${name} \\(${prodCluster}\\) is STOPPED`));
    assert.equal((await prod.api.getCluster(prodCluster)).status?.state, 'STOPPED');
    assert.equal((await main.api.getCluster(defaultCluster)).status?.state, 'RUNNING');

    // Each emulator accepts only its own token: not one request was refused for another's.
    for (const imply of [main, prod]) {
      const log = imply.emulator.requestLog();
      assert.ok(log.some((entry) => entry.method === 'POST' && entry.path === '/api/v1/clusters'));
      assert.deepEqual(
        log.filter((entry) => entry.status === 401),
        [],
      );
    }

    const listed = await eventually('both runbooks in `list` with their environment', async () => {
      const list = await runCli(['list', '--json', '--query', `ImplyClusterName = '${name}'`], common());
      const rows = JSON.parse(list.stdout) as Array<{ runbookId: string; environment?: string }>;
      return rows.length >= 3 ? rows : undefined;
    });
    const environments = Object.fromEntries(listed.map((row) => [row.runbookId, row.environment]));
    assert.equal(environments[`lifecycle:${name}`], 'default');
    assert.equal(environments[`lifecycle:prod:${name}`], 'prod');
    assert.equal(environments[`change:${prodCluster}`], 'prod');
    const status = await runCli(['status', `lifecycle:prod:${name}`], common());
    assert.match(status.stdout, /env:\s+prod/);
  });

  it('shows approvers which environment a change waits in (CLI list, page source, page card)', async () => {
    const name = `env-gate-${randomUUID().slice(0, 8)}`;
    const started = await runCli(
      [
        'run',
        'lifecycle',
        '--spec',
        specFor(name),
        '--scale',
        'data.tier1.replicas=2',
        '--environment',
        'prod',
        '--poll-initial',
        '100ms',
      ],
      common(),
    );
    assert.equal(started.code, 0, started.stderr);
    const lifecycleId = `lifecycle:prod:${name}`;
    try {
      // The scale waits at the gate of the cluster's change runbook, a child on prod's task queue.
      const gate = await approvalGateOf(
        environment.client,
        environment.client.workflow.getHandle(lifecycleId),
      );
      const runbookId = gate.workflowId;
      assert.equal((await gate.describe()).taskQueue, environmentTaskQueue(baseTaskQueue, 'prod'));
      const listed = await eventually('the gate in `approvals`', async () => {
        const run = await runCli(['approvals'], common());
        return run.stdout.includes(runbookId) ? run.stdout : undefined;
      });
      const block = listed.slice(listed.indexOf(`${runbookId}:`));
      assert.match(block, new RegExp(`^${runbookId}: change to ${name} .*\\n  environment: prod\\n`));

      const source = new ApprovalsSource(environment.client, { baseTaskQueue });
      const row = (await source.listPending()).find((entry) => entry.runbookId === runbookId);
      assert.equal(row?.environment, 'prod');
      assert.equal(await source.environment(runbookId), 'prod');
      assert.ok(row?.pending);
      const viewer = { user: 'carol', csrfToken: 'test', now: new Date() };
      const card = String(renderPendingCard(runbookId, row.pending, viewer, '/approvals', row.environment));
      assert.match(card, /<dt>Environment<\/dt>\s*<dd data-environment="prod"><strong>prod<\/strong><\/dd>/);
    } finally {
      await environment.client.workflow.getHandle(lifecycleId).cancel();
    }
  });

  it("refuses to start a worker when an environment's token variable is unset, naming both", async () => {
    const run = await runCli(['worker'], {
      ...common(),
      IMPLY_API_URL: main.emulator.apiUrl,
      IMPLY_TOKEN: main.token,
      IMPLY_E2E_SLOW_TOKEN: slow.token,
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /environment "prod": the variable IMPLY_E2E_PROD_TOKEN \(environments\.prod\.auth\.tokenEnv\) is not set/,
    );
    assert.doesNotMatch(run.stdout, /Worker ready/);
  });

  it(`keeps the activities of all workers of a rate-limited environment under ${RATE} per second together`, async () => {
    const names = Array.from({ length: 12 }, (_, index) => `env-slow-${index}-${randomUUID().slice(0, 6)}`);
    const uids: string[] = [];
    for (const name of names)
      uids.push((await slow.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } })).metadata.uid);
    await eventually(
      'the clusters RUNNING',
      async () =>
        (await slow.api.listClusters()).every((cluster) => cluster.status?.state === 'RUNNING')
          ? true
          : undefined,
      { timeoutMs: 30_000 },
    );
    const startedAt = Date.now();
    const taskQueue = environmentTaskQueue(baseTaskQueue, 'slow');
    const handles = await Promise.all(
      uids.map((clusterId, index) =>
        environment.client.workflow.start<typeof powerRunbook>(
          'powerRunbook',
          withEnvironmentMemo(
            powerStartOptions(
              {
                clusterId,
                action: 'stop',
                requester: 'carol',
                source: 'person',
                wait: { pollInitialMs: 200, pollMaxMs: 500 },
              },
              taskQueue,
              names[index],
            ),
            'slow',
          ),
        ),
      ),
    );
    for (const handle of handles) assert.equal((await handle.result()).finalState, 'STOPPED');

    const starts: Array<{ at: number; identity: string }> = [];
    for (const handle of handles) {
      const history = await handle.fetchHistory();
      for (const event of history.events ?? []) {
        const started = event.activityTaskStartedEventAttributes;
        if (!started) continue;
        const seconds = Number(event.eventTime?.seconds ?? 0);
        starts.push({
          at: seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6),
          identity: started.identity ?? '',
        });
      }
    }
    const limit = (RATE * WINDOW_MS) / 1000 + BURST;
    // Unlimited, all of them (far more than the limit) start within a few seconds.
    assert.ok(starts.length >= limit + 10, `only ${starts.length} activities`);
    const busiest = busiestWindow(
      starts.map((start) => start.at),
      WINDOW_MS,
    );
    assert.ok(busiest <= limit, `${busiest} activities started within ${WINDOW_MS} ms (limit ${limit})`);
    assert.equal(new Set(starts.map((start) => start.identity)).size, 2, 'both workers took activities');

    // Every activity of these runbooks is at most one Cloud Manager request: the emulator agrees.
    const requests = slow.emulator.requestLog().filter((entry) => Date.parse(entry.at) >= startedAt);
    assert.ok(requests.length >= 2 * names.length);
    const busiestRequests = busiestWindow(
      requests.map((entry) => Date.parse(entry.at)),
      WINDOW_MS,
    );
    assert.ok(
      busiestRequests <= limit,
      `${busiestRequests} requests within ${WINDOW_MS} ms (limit ${limit})`,
    );
    assert.deepEqual(
      requests.filter((entry) => entry.status === 401),
      [],
    );
  });

  it('stops every environment of a worker together on SIGTERM', async () => {
    // The first worker serves default, prod and slow: one signal ends all three, cleanly.
    const worker = workers[0]!;
    const exit = await worker.stop(30_000);
    const output = worker.recentOutput().join('\n');
    assert.equal(exit.code, 0, output);
    assert.match(output, /Worker stopped/);
  });
});
