import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { CloudManagerClient } from '../../src/cloud-manager/client';
import { fleetSummaryLines } from '../../src/shared/fleet-summary';
import {
  powerStartOptions,
  type FleetInput,
  type FleetSummary,
  type KeepAlive,
} from '../../src/shared/power';
import type { fleetRunbook } from '../../src/workflows/fleet';
import type { powerRunbook } from '../../src/workflows/power';
import { runCli } from '../../scripts/lib/run-cli';
import { LOCAL_DEFAULTS, resolveApprovalPolicy } from '../../src/config';
import {
  approvalGateOf,
  createE2eEnvironment,
  eventually,
  lifecycleInput,
  FAST_WAIT,
  TUTORIAL_CLUSTER,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/** Creates RUNNING clusters with these names and tags; answers their uids by name. */
async function createClusters(
  api: CloudManagerClient,
  clusters: Array<{ name: string; tags: Record<string, string> }>,
) {
  const uids = new Map<string, string>();
  for (const { name, tags } of clusters) {
    const awsTags = Object.entries(tags).map(([tag, value]) => ({ name: tag, value }));
    const created = await api.createCluster({
      metadata: { name },
      spec: { ...TUTORIAL_CLUSTER.spec, awsTags },
    });
    uids.set(name, created.metadata.uid);
  }
  await eventually('every cluster RUNNING', async () => {
    const states = (await api.listClusters()).map((cluster) => cluster.status?.state);
    return states.every((state) => state === 'RUNNING') ? true : undefined;
  });
  return uids;
}

async function statesByName(api: CloudManagerClient): Promise<Map<string, string>> {
  return new Map(
    (await api.listClusters()).map((cluster) => [cluster.metadata.name, String(cluster.status?.state)]),
  );
}

describe(
  'fleet run end to end (dev server, emulator over HTTP, real worker, real CLI)',
  { concurrency: true },
  () => {
    let environment: E2eEnvironment;
    before(async () => {
      environment = await createE2eEnvironment();
    });
    after(async () => {
      await environment?.close();
    });

    const cliEnv = (scenario: Scenario) => ({
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
      IMPLY_RUNBOOKS_USER: 'e2e',
    });

    async function runFleet(scenario: Scenario, input: FleetInput): Promise<FleetSummary> {
      const handle = await environment.client.workflow.start<typeof fleetRunbook>('fleetRunbook', {
        taskQueue: scenario.taskQueue,
        workflowId: `fleet-e2e-${randomUUID()}`,
        args: [input],
      });
      return handle.result();
    }

    it('stops 50 clusters by tag, leaving opted-out, kept-alive and prod ones running and reporting the failed one', async () => {
      const scenario = await environment.scenario({ transitionMs: 100 });
      await scenario.startWorker();
      const layout = [
        ...Array.from({ length: 26 }, (_, index) => ({ name: `test-${index + 1}`, tags: { env: 'test' } })),
        { name: 'test-optout', tags: { env: 'test', 'imply-runbooks/schedule': 'off' } },
        { name: 'test-kept', tags: { env: 'test' } },
        { name: 'test-broken', tags: { env: 'test' } },
        { name: 'test-stopped', tags: { env: 'test' } },
        ...Array.from({ length: 20 }, (_, index) => ({ name: `prod-${index + 1}`, tags: { env: 'prod' } })),
      ];
      const uids = await createClusters(scenario.api, layout);
      const uid = (name: string) => uids.get(name) as string;
      await scenario.api.patchCluster(uid('test-stopped'), { spec: { desiredState: 'STOPPED' } });
      scenario.emulator.setFaults({ failNextUpdate: [uid('test-broken')] });

      const kept = await runCli(
        ['keep-alive', uid('test-kept'), '--until', '2h', '--reason', 'demo at 9', '--as', 'bob'],
        cliEnv(scenario),
      );
      assert.equal(kept.code, 0, kept.stderr);
      assert.match(kept.stdout, /Keep-alive set: .* stays running through scheduled stops until/);
      const listed = await eventually('the keep-alive in visibility', async () => {
        const run = await runCli(['keep-alive', 'list', '--json'], cliEnv(scenario));
        const records = JSON.parse(run.stdout || '[]') as KeepAlive[];
        return records.find((record) => record.clusterId === uid('test-kept'));
      });
      assert.equal(listed.setBy, 'bob');

      const summary = await runFleet(scenario, {
        action: 'stop',
        selector: { tags: { env: 'test' } },
        requester: 'e2e',
        scheduleName: 'nightly-e2e',
        concurrency: 10,
        requestsPerSecond: 50,
        wait: FAST_WAIT,
      });

      assert.equal(summary.selected, 30);
      assert.deepEqual(
        [...summary.done].sort(),
        layout
          .slice(0, 26)
          .map((entry) => entry.name)
          .sort(),
      );
      const skipped = new Map(summary.skipped.map((entry) => [entry.cluster, entry.reason]));
      assert.equal(skipped.get('test-optout'), 'opted out (tag imply-runbooks/schedule=off)');
      assert.match(skipped.get('test-kept') ?? '', /^kept alive by bob until .*: demo at 9$/);
      assert.equal(skipped.get('test-stopped'), 'already STOPPED');
      assert.equal(summary.skipped.length, 3);
      assert.deepEqual(
        summary.failed.map((entry) => entry.cluster),
        ['test-broken'],
      );
      assert.match(summary.failed[0]?.reason ?? '', /ended in FAILED/);
      assert.deepEqual(summary.notStarted, []);
      // What the savings report prices: the node groups each stopped cluster was running.
      assert.deepEqual(summary.results.find((result) => result.clusterName === 'test-1')?.nodes, [
        { group: 'master', instanceType: 't2.small', replicas: 3 },
        { group: 'query', instanceType: 't2.small', replicas: 3 },
        { group: 'data.tier1', instanceType: 't2.small', replicas: 1 },
      ]);

      const states = await statesByName(scenario.api);
      for (const { name } of layout.slice(0, 26)) assert.equal(states.get(name), 'STOPPED', name);
      assert.equal(states.get('test-stopped'), 'STOPPED');
      assert.equal(states.get('test-optout'), 'RUNNING');
      assert.equal(states.get('test-kept'), 'RUNNING');
      assert.equal(states.get('test-broken'), 'FAILED');
      for (const index of Array.from({ length: 20 }, (_, n) => n + 1))
        assert.equal(states.get(`prod-${index}`), 'RUNNING');
      const patches = scenario.emulator
        .requestLog()
        .filter((entry) => entry.method === 'PATCH' && entry.committed);
      // One PATCH per cluster acted on (26 done + the broken one), plus the test's own stop of test-stopped.
      assert.equal(patches.length, 28);
      assert.match(
        fleetSummaryLines(summary)[0] ?? '',
        /^schedule nightly-e2e \(stop\): 26 stopped, 3 skipped, 1 failed/,
      );

      const cancelled = await runCli(
        ['keep-alive', 'cancel', uid('test-kept'), '--as', 'carol'],
        cliEnv(scenario),
      );
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.match(cancelled.stdout, /removed by carol/);
    });

    it('a worker killed mid-fleet and a history budget small enough to continue as new still stop every cluster exactly once, with one PATCH each and shared list reads', async () => {
      const scenario = await environment.scenario({ transitionMs: 1500 });
      const layout = [
        ...Array.from({ length: 40 }, (_, index) => ({
          name: `crash-${index + 1}`,
          tags: { team: 'crash' },
        })),
        { name: 'other-1', tags: { team: 'other' } },
        { name: 'other-2', tags: { team: 'other' } },
      ];
      const uids = await createClusters(scenario.api, layout);
      const crashed = layout.slice(0, 40).map((entry) => entry.name);
      const crashedUids = crashed.map((name) => uids.get(name) as string);
      scenario.emulator.clearRequestLog();

      let worker = await scenario.startWorkerProcess();
      const startedAt = Date.now();
      const handle = await environment.client.workflow.start<typeof fleetRunbook>('fleetRunbook', {
        taskQueue: scenario.taskQueue,
        workflowId: `fleet-e2e-${randomUUID()}`,
        args: [
          {
            action: 'stop',
            selector: { tags: { team: 'crash' } },
            requester: 'e2e',
            concurrency: 8,
            requestsPerSecond: 20,
            historyBudget: 250,
            wait: FAST_WAIT,
          },
        ],
      });
      // The test's own list reads, told apart from the worker's in the request log below.
      let ownListReads = 0;
      await eventually(
        'at least 10 of the 40 clusters STOPPED',
        async () => {
          ownListReads++;
          const states = await statesByName(scenario.api);
          return crashed.filter((name) => states.get(name) === 'STOPPED').length >= 10 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      await worker.kill();
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'the worker was killed mid-fleet');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      worker = await scenario.startWorkerProcess();
      const summary = await handle.result();
      const log = scenario.emulator.requestLog();

      assert.deepEqual([...summary.done].sort(), [...crashed].sort());
      assert.deepEqual(summary.failed, []);
      assert.deepEqual(summary.notStarted, []);
      assert.deepEqual(summary.skipped, []);
      const states = await statesByName(scenario.api);
      for (const name of crashed) assert.equal(states.get(name), 'STOPPED', name);
      assert.equal(states.get('other-1'), 'RUNNING');
      assert.equal(states.get('other-2'), 'RUNNING');

      // One committed PATCH per cluster, the kill notwithstanding, and none of the others.
      const patches = log.filter((entry) => entry.method === 'PATCH' && entry.committed);
      const patchesByCluster = new Map<string, number>();
      for (const entry of patches)
        patchesByCluster.set(
          String(entry.clusterId),
          (patchesByCluster.get(String(entry.clusterId)) ?? 0) + 1,
        );
      for (const uid of crashedUids) assert.equal(patchesByCluster.get(uid), 1, `PATCHes of ${uid}`);
      assert.equal(patches.length, 40);
      const listReads =
        log.filter((entry) => entry.method === 'GET' && /\/clusters$/.test(entry.path)).length - ownListReads;
      const singleReads = log.filter(
        (entry) => entry.method === 'GET' && /\/clusters\/[^/]+$/.test(entry.path),
      ).length;

      // Every run's history within the budget plus what its running runbooks may still add.
      const runs: Array<{ runId: string; events: number; continued: boolean }> = [];
      let runId: string | undefined = handle.firstExecutionRunId;
      while (runId) {
        const history: Awaited<ReturnType<typeof handle.fetchHistory>> = await environment.client.workflow
          .getHandle(handle.workflowId, runId)
          .fetchHistory();
        const events = history.events ?? [];
        const next: string | undefined =
          events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
        runs.push({ runId, events: events.length, continued: next !== undefined });
        runId = next;
      }
      assert.ok(runs[0]?.continued, 'the first run continued as new');
      assert.ok(runs.length >= 2, `runs: ${runs.length}`);
      for (const run of runs) assert.ok(run.events <= 250 + 8 * 12, `run ${run.runId}: ${run.events} events`);
      // The fleet reads the list at most every 500 ms (its tail), whatever the number of clusters: on a
      // loaded machine the run takes longer and reads more often, never once per cluster.
      const elapsedSeconds = (Date.now() - startedAt) / 1000;
      assert.ok(
        listReads <= 2 * elapsedSeconds + 10,
        `the worker's list reads: ${listReads} in ${elapsedSeconds.toFixed(0)} s`,
      );
      assert.ok(singleReads < 10, `single-cluster GETs: ${singleReads}`);
    });

    it('previews a fleet stop with --dry-run, changing nothing, and the real run then does just that', async () => {
      const scenario = await environment.scenario({ transitionMs: 100 });
      await scenario.startWorker();
      const team = `dry-${randomUUID().slice(0, 6)}`;
      const uids = await createClusters(scenario.api, [
        { name: `${team}-a`, tags: { team } },
        { name: `${team}-b`, tags: { team } },
        { name: `${team}-optout`, tags: { team, 'imply-runbooks/schedule': 'off' } },
        { name: `${team}-kept`, tags: { team } },
        { name: `${team}-stopped`, tags: { team } },
      ]);
      const uid = (suffix: string) => uids.get(`${team}-${suffix}`) as string;
      await scenario.api.patchCluster(uid('stopped'), { spec: { desiredState: 'STOPPED' } });
      await eventually('the stopped cluster STOPPED', async () =>
        (await scenario.api.getCluster(uid('stopped'))).status?.state === 'STOPPED' ? true : undefined,
      );
      const env = {
        ...cliEnv(scenario),
        IMPLY_API_URL: scenario.emulator.apiUrl,
        IMPLY_TOKEN: scenario.token,
      };
      const kept = await runCli(
        ['keep-alive', uid('kept'), '--until', '2h', '--reason', 'demo', '--as', 'bob'],
        env,
      );
      assert.equal(kept.code, 0, kept.stderr);
      await eventually('the keep-alive in visibility', async () => {
        const run = await runCli(['keep-alive', 'list', '--json'], env);
        const records = JSON.parse(run.stdout || '[]') as KeepAlive[];
        return records.find((record) => record.clusterId === uid('kept'));
      });
      scenario.emulator.clearRequestLog();

      const args = ['fleet', 'run', '--action', 'stop', '--select', `team=${team}`, '--dry-run'];
      const dry = await runCli([...args, '--json'], env);
      assert.equal(dry.code, 0, dry.stderr);
      const report = JSON.parse(dry.stdout) as {
        acting: number;
        rows: Array<{ cluster: string; decision: string; why: string }>;
      };
      const decisions = new Map(report.rows.map((row) => [row.cluster, `${row.decision}: ${row.why}`]));
      assert.equal(decisions.get(`${team}-a`), 'act: stop: RUNNING → STOPPED');
      assert.equal(decisions.get(`${team}-b`), 'act: stop: RUNNING → STOPPED');
      assert.equal(decisions.get(`${team}-optout`), 'skip: opted out (tag imply-runbooks/schedule=off)');
      assert.match(decisions.get(`${team}-kept`) ?? '', /^skip: kept alive by bob until .*: demo$/);
      assert.equal(decisions.get(`${team}-stopped`), 'skip: already STOPPED');
      const text = await runCli(args, env);
      assert.match(
        text.stdout,
        /would stop 2 cluster\(s\) and leave 3 alone\. Nothing was started or changed\./,
      );
      assert.ok(
        scenario.emulator.requestLog().every((entry) => entry.method === 'GET'),
        'a dry run only reads',
      );
      assert.equal((await scenario.api.getCluster(uid('a'))).status?.state, 'RUNNING');

      const summary = await runFleet(scenario, {
        action: 'stop',
        selector: { tags: { team } },
        requester: 'e2e',
        wait: FAST_WAIT,
      });
      const real = new Map<string, string>([
        ...summary.done.map((name): [string, string] => [name, 'act']),
        ...summary.skipped.map((entry): [string, string] => [entry.cluster, `skip: ${entry.reason}`]),
      ]);
      for (const row of report.rows) {
        const expected = row.decision === 'act' ? 'act' : `skip: ${row.why}`;
        assert.equal(real.get(row.cluster), expected, `the run did what the dry run said for ${row.cluster}`);
      }
    });

    it('starts no new cluster once failures pass the failure share', async () => {
      const scenario = await environment.scenario({ transitionMs: 100 });
      await scenario.startWorker();
      const layout = Array.from({ length: 10 }, (_, index) => ({
        name: `abort-${index + 1}`,
        tags: { env: 'test' },
      }));
      const uids = await createClusters(scenario.api, layout);
      scenario.emulator.setFaults({
        failNextUpdate: ['abort-1', 'abort-2', 'abort-3'].map((name) => uids.get(name) as string),
      });

      const summary = await runFleet(scenario, {
        action: 'stop',
        selector: { nameGlob: 'abort-*' },
        requester: 'e2e',
        concurrency: 1,
        requestsPerSecond: 50,
        maxFailureShare: 0.2,
        wait: FAST_WAIT,
      });

      assert.deepEqual(
        summary.failed.map((entry) => entry.cluster),
        ['abort-1', 'abort-2', 'abort-3'],
      );
      assert.equal(
        summary.aborted,
        '3 of 10 clusters failed (30% > 20%): started no new ones, 7 not started',
      );
      assert.deepEqual(
        summary.notStarted,
        layout.slice(3).map((entry) => entry.name),
      );
      const states = await statesByName(scenario.api);
      for (const name of summary.notStarted) assert.equal(states.get(name), 'RUNNING', name);
    });

    it('stops one cluster through the real CLI with --wait, and refuses a second change while one runs', async () => {
      const scenario = await environment.scenario({ transitionMs: 100 });
      await scenario.startWorker();
      const uids = await createClusters(scenario.api, [
        { name: 'cli-stop', tags: {} },
        { name: 'cli-busy', tags: {} },
      ]);
      const stopped = await runCli(
        [
          'stop',
          uids.get('cli-stop') as string,
          '--wait',
          '--reason',
          'night',
          '--poll-initial',
          '100ms',
          '--poll-max',
          '500ms',
        ],
        cliEnv(scenario),
      );
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.match(stopped.stdout, /Started runbook change:/);
      assert.match(stopped.stdout, /\[3\/4\] ✔ Wait until STOPPED/);
      assert.match(stopped.stdout, /Done: cli-stop \(.*\) is STOPPED/);
      assert.equal((await scenario.api.getCluster(uids.get('cli-stop') as string)).status?.state, 'STOPPED');

      const busyId = uids.get('cli-busy') as string;
      // A stop paced to one call a minute holds `change:<uid>` (after its first read) while the CLI tries another change.
      const slow = await environment.client.workflow.start<typeof powerRunbook>(
        'powerRunbook',
        powerStartOptions(
          {
            clusterId: busyId,
            action: 'stop',
            requester: 'alice',
            source: 'person',
            minRequestIntervalMs: 60_000,
          },
          scenario.taskQueue,
        ),
      );
      try {
        const refused = await runCli(['start', busyId], cliEnv(scenario));
        assert.equal(refused.code, 1);
        assert.match(
          refused.stderr,
          new RegExp(`busy: change:${busyId} \\(kind power\\) is running; try again when it ends`),
        );
      } finally {
        await slow.terminate('test over');
      }
    });

    it('refuses a stop of a cluster whose lifecycle scale waits for approval: one change per cluster, by id', async () => {
      const scenario = await environment.scenario({ transitionMs: 100 });
      await scenario.startWorker();
      const name = `lifecycle-busy-${randomUUID().slice(0, 8)}`;
      const lifecycle = await scenario.startRunbook(
        lifecycleInput(name, {
          scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
          requester: 'bob',
          approval: resolveApprovalPolicy(LOCAL_DEFAULTS, { name, tags: [] }),
        }),
      );
      try {
        // The scale is the cluster's change runbook, change:<uid>: the id every stop and start uses too.
        const gate = await approvalGateOf(environment.client, lifecycle);
        const clusterId = gate.workflowId.slice('change:'.length);
        const refused = await runCli(['stop', clusterId], cliEnv(scenario));
        assert.equal(refused.code, 1, refused.stdout);
        assert.match(
          refused.stderr,
          new RegExp(`busy: change:${clusterId} \\(kind change\\) is running; try again when it ends`),
        );
        assert.equal((await scenario.api.getCluster(clusterId)).status?.state, 'RUNNING');
        // The fleet's dry run reads the same id and says the cluster would be left alone, and why.
        const dryRun = await runCli(
          ['fleet', 'run', '--action', 'stop', '--select', `ids=${clusterId}`, '--dry-run'],
          { ...cliEnv(scenario), IMPLY_API_URL: scenario.emulator.apiUrl, IMPLY_TOKEN: scenario.token },
        );
        assert.equal(dryRun.code, 0, dryRun.stderr);
        assert.match(dryRun.stdout, new RegExp(`busy: change:${clusterId} \\(kind change, step approve\\)`));
      } finally {
        await lifecycle.terminate('test over');
      }
    });
  },
);
