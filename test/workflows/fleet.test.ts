import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type FleetInput, type FleetSummary } from '../../src/shared/power';
import { fleetRunbook } from '../../src/workflows/fleet';
import { keepAliveRunbook } from '../../src/workflows/keep-alive';
import { fakeFleetApi } from '../helpers/fake-fleet-api';
import {
  createTimeSkippingEnvironment,
  terminateWhenIdle,
  withWorker,
} from '../helpers/workflow-environment';
import { changeWorkflowId } from '../../src/shared/runbook-ids';

type Fake = ReturnType<typeof fakeFleetApi>;
const HOUR = 3_600_000;

const stopTest = (overrides: Partial<FleetInput> = {}): FleetInput => ({
  action: 'stop',
  selector: { tags: { env: 'test' } },
  requester: 'nightly-schedule',
  scheduleName: 'nightly',
  ...overrides,
});

/** `count` RUNNING clusters named `<prefix>-<n>` with these tags; their uids in order. */
async function seedMany(fake: Fake, prefix: string, count: number, tags: Record<string, string>) {
  const uids: string[] = [];
  for (let index = 1; index <= count; index++) uids.push(await fake.seed(`${prefix}-${index}`, tags));
  return uids;
}

describe('fleet run (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  /** Runs the fleet; `occupy` first holds `change:<uid>` with another runbook for that long. */
  async function run(fake: Fake, input: FleetInput, occupy?: { uid: string; forMs: number }) {
    return withWorker(environment, fake.activities, async (taskQueue) => {
      const other = occupy ? await startOtherChange(taskQueue, occupy.uid, occupy.forMs) : undefined;
      const handle = await environment.client.workflow.start(fleetRunbook, {
        taskQueue,
        workflowId: `fleet-test-${Math.random()}`,
        args: [input],
      });
      try {
        return await handle.result();
      } finally {
        // Fake uids repeat from one test to the next: free the id for them.
        if (other) await terminateWhenIdle(other);
      }
    });
  }

  it('stops the selected clusters and reports what it skipped and why, and what failed', async () => {
    const fake = fakeFleetApi();
    const [plain1, plain2, plain3] = await seedMany(fake, 'test', 3, { env: 'test' });
    await fake.seed('test-optout', { env: 'test', 'imply-runbooks/schedule': 'off' });
    const kept = await fake.seed('test-kept', { env: 'test' });
    await fake.seed('test-stopped', { env: 'test' }, 'STOPPED');
    const broken = await fake.seed('test-broken', { env: 'test' });
    const prod = await seedMany(fake, 'prod', 3, { env: 'prod' });
    fake.failing.add(broken);
    fake.keepAlives.push({
      clusterId: kept,
      clusterName: 'test-kept',
      until: '2099-01-01T07:00:00.000Z',
      reason: 'demo tomorrow',
      setBy: 'bob',
      setAt: '2026-01-01T00:00:00.000Z',
    });
    const summary = await run(fake, stopTest());

    assert.equal(summary.selected, 7);
    assert.deepEqual(summary.done.sort(), ['test-1', 'test-2', 'test-3']);
    assert.deepEqual([...summary.skipped].sort(byCluster), [
      { cluster: 'test-kept', reason: 'kept alive by bob until 2099-01-01T07:00:00.000Z: demo tomorrow' },
      { cluster: 'test-optout', reason: 'opted out (tag imply-runbooks/schedule=off)' },
      { cluster: 'test-stopped', reason: 'already STOPPED' },
    ]);
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0]?.cluster, 'test-broken');
    assert.match(summary.failed[0]?.reason ?? '', /ended in FAILED/);
    assert.deepEqual(summary.notStarted, []);
    assert.equal(summary.aborted, undefined);
    for (const uid of [plain1, plain2, plain3]) assert.equal(fake.stateOf(uid as string), 'STOPPED');
    assert.equal(fake.stateOf(kept), 'RUNNING');
    for (const uid of prod) assert.equal(fake.stateOf(uid), 'RUNNING');
    const outcomes = summary.results.map((result) => `${result.clusterName}:${result.outcome}`).sort();
    assert.deepEqual(outcomes, [
      'test-1:done',
      'test-2:done',
      'test-3:done',
      'test-broken:failed',
      'test-stopped:skipped',
    ]);
    assert.ok(
      summary.results.every((result) => result.source === 'schedule' && result.scheduleName === 'nightly'),
    );
    assert.deepEqual(fake.fleetNotifications, [summary]);
  });

  it('stops starting new clusters once failures pass the failure share, and lists those not started', async () => {
    const fake = fakeFleetApi();
    const uids = await seedMany(fake, 'test', 10, { env: 'test' });
    for (const uid of uids.slice(0, 4)) fake.failing.add(uid);
    const summary = await run(fake, stopTest({ concurrency: 1, maxFailureShare: 0.2 }));
    assert.deepEqual(
      summary.failed.map((entry) => entry.cluster),
      ['test-1', 'test-2', 'test-3'],
    );
    assert.deepEqual(summary.notStarted, [
      'test-4',
      'test-5',
      'test-6',
      'test-7',
      'test-8',
      'test-9',
      'test-10',
    ]);
    assert.equal(summary.aborted, '3 of 10 clusters failed (30% > 20%): started no new ones, 7 not started');
    for (const uid of uids.slice(3)) assert.equal(fake.stateOf(uid), 'RUNNING');
  });

  it('never has more clusters in transition than its concurrency', async () => {
    const fake = fakeFleetApi({ transitionPolls: 3 });
    await seedMany(fake, 'test', 12, { env: 'test' });
    const summary = await run(fake, stopTest({ concurrency: 3, requestsPerSecond: 100 }));
    assert.equal(summary.done.length, 12);
    assert.equal(fake.maxInTransition(), 3);
  });

  it('keeps the whole fleet under its request rate', async () => {
    const fake = fakeFleetApi({ transitionPolls: 2 });
    await seedMany(fake, 'test', 8, { env: 'test' });
    const input = stopTest({
      concurrency: 4,
      requestsPerSecond: 2,
      wait: { pollInitialMs: 100, pollMaxMs: 200 },
    });
    const summary = await run(fake, input);
    assert.equal(summary.done.length, 8);
    const perCluster = new Map<string, number[]>();
    for (const call of fake.apiCalls) {
      if (call.clusterId)
        perCluster.set(call.clusterId, [...(perCluster.get(call.clusterId) ?? []), call.atMs]);
    }
    // Each of the 4 runbooks gets 2/4 requests a second: calls 2 s apart (less a workflow task's few ms).
    for (const [clusterId, times] of perCluster) {
      for (let index = 1; index < times.length; index++) {
        const gap = (times[index] as number) - (times[index - 1] as number);
        assert.ok(gap >= 2000 - 250, `${clusterId}: calls ${gap} ms apart`);
      }
    }
    const times = fake.apiCalls.map((call) => call.atMs);
    const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
    // Long-run rate at most 2/s; at most one call per lane (4) above it in a burst, plus the selection.
    assert.ok(times.length <= 2 * seconds + 4 + 1, `${times.length} calls in ${seconds} s`);
  });

  it("stops each cluster with one PATCH: its runbook waits on the fleet's shared list reads, not its own polls", async () => {
    const fake = fakeFleetApi({ transitionPolls: 2 });
    const uids = await seedMany(fake, 'test', 12, { env: 'test' });
    const summary = await run(fake, stopTest({ concurrency: 4, requestsPerSecond: 20 }));
    assert.equal(summary.done.length, 12);
    for (const uid of uids) assert.equal(fake.stateOf(uid), 'STOPPED');
    const count = (activity: string) => fake.apiCalls.filter((call) => call.activity === activity).length;
    assert.equal(count('setDesiredState'), 12);
    assert.equal(count('getClusterSummary') + count('readClusterPower'), 0);
    // Each list read serves every runbook waiting: fewer reads than clusters (4 at once, 3 reads each).
    assert.ok(count('observeClusters') >= 3, `${count('observeClusters')} list reads`);
    assert.ok(count('observeClusters') < 12, `${count('observeClusters')} list reads`);
    assert.ok(summary.results.every((result) => result.finalState === 'STOPPED'));
  });

  it('fails a watched runbook whose cluster ends in FAILED, and one that is deleted while it waits', async () => {
    const fake = fakeFleetApi({ transitionPolls: 3 });
    const [broken, doomed, fine] = await seedMany(fake, 'test', 3, { env: 'test' });
    fake.failing.add(broken as string);
    const deleting = (async () => {
      // Deleted once its stop is under way: the fleet's next list read no longer finds it.
      while (fake.clusters.get(doomed as string)?.state !== 'STOPPING')
        await new Promise((r) => setTimeout(r, 5));
      (fake.clusters.get(doomed as string) as { gone: boolean }).gone = true;
    })();
    const summary = await run(fake, stopTest({ concurrency: 3, maxFailureShare: 1 }));
    await deleting;
    assert.deepEqual(summary.done, ['test-3']);
    const reasons = new Map(summary.failed.map((entry) => [entry.cluster, entry.reason]));
    assert.match(reasons.get('test-1') ?? '', /ended in FAILED while waiting for STOPPED/);
    assert.match(reasons.get('test-2') ?? '', /is gone \(not listed, or DELETED\) while waiting for STOPPED/);
    assert.equal(fake.stateOf(fine as string), 'STOPPED');
  });

  it('continues as new past its history budget and still acts on every cluster exactly once', async () => {
    const fake = fakeFleetApi({ transitionPolls: 1 });
    const uids = await seedMany(fake, 'test', 40, { env: 'test' });
    fake.keepAlives.push({
      clusterId: uids[39] as string,
      clusterName: 'test-40',
      until: '2099-01-01T07:00:00.000Z',
      reason: 'demo',
      setBy: 'bob',
      setAt: '2026-01-01T00:00:00.000Z',
    });
    const { summary, runs } = await withWorker(environment, fake.activities, async (taskQueue) => {
      const handle = await environment.client.workflow.start(fleetRunbook, {
        taskQueue,
        workflowId: `fleet-test-${Math.random()}`,
        args: [stopTest({ concurrency: 4, requestsPerSecond: 50, historyBudget: 300 })],
      });
      const result = await handle.result();
      const lengths = await runLengths(handle.workflowId, handle.firstExecutionRunId);
      console.log(`fleet runs: ${lengths.join(', ')} events`);
      return { summary: result, runs: lengths };
    });
    assert.ok(runs.length >= 2, `${runs.length} run(s)`);
    for (const length of runs) assert.ok(length <= 300 + 4 * 12, `a run of ${length} events`);
    assert.equal(summary.selected, 40);
    assert.equal(summary.done.length, 39);
    assert.deepEqual(
      summary.skipped.map((entry) => entry.cluster),
      ['test-40'],
    );
    assert.equal(summary.results.length, 39);
    const patches = fake.apiCalls.filter((call) => call.activity === 'setDesiredState');
    assert.deepEqual(patches.map((call) => call.clusterId).sort(), uids.slice(0, 39).sort());
    assert.equal(fake.apiCalls.filter((call) => call.activity === 'selectClusters').length, 1);
  });

  it('cancelled while its runbooks wait on its reads, cancels them all and sends nothing more', async () => {
    const fake = fakeFleetApi({ neverSettle: true });
    const uids = await seedMany(fake, 'test', 4, { env: 'test' });
    const statuses = await withWorker(environment, fake.activities, async (taskQueue) => {
      const handle = await environment.client.workflow.start(fleetRunbook, {
        taskQueue,
        workflowId: `fleet-test-${Math.random()}`,
        args: [stopTest({ concurrency: 4, requestsPerSecond: 50 })],
      });
      // Every cluster PATCHed: the runbooks now wait on the fleet's reads of clusters that never settle.
      while (fake.apiCalls.filter((call) => call.activity === 'setDesiredState').length < 4) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await handle.cancel();
      await assert.rejects(handle.result(), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.equal(error.cause?.name, 'CancelledFailure');
        return true;
      });
      const children = uids.map((uid) => environment.client.workflow.getHandle(changeWorkflowId(uid)));
      for (const child of children) await assert.rejects(child.result());
      return Promise.all(children.map(async (child) => (await child.describe()).status.name));
    });
    assert.deepEqual(statuses, ['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    const patches = fake.apiCalls.filter((call) => call.activity === 'setDesiredState');
    assert.equal(patches.length, 4, 'one PATCH per cluster, none after the cancel');
  });

  it('waits for a change already running on a cluster, then acts', async () => {
    const fake = fakeFleetApi();
    const [uid] = await seedMany(fake, 'test', 1, { env: 'test' });
    const busyRetry = { attempts: 3, delayMs: 60_000 };
    const summary = await run(fake, stopTest({ busyRetry }), { uid: uid as string, forMs: 90_000 });
    assert.deepEqual(summary.done, ['test-1']);
  });

  it('reports a cluster busy with another change after its retries, naming the change', async () => {
    const fake = fakeFleetApi();
    const [uid] = await seedMany(fake, 'test', 1, { env: 'test' });
    const busyRetry = { attempts: 2, delayMs: 60_000 };
    const summary = await run(fake, stopTest({ busyRetry }), { uid: uid as string, forMs: 10 * HOUR });
    assert.deepEqual(summary.done, []);
    assert.match(
      summary.skipped[0]?.reason ?? '',
      new RegExp(`^busy: change:${uid} \\(another change\\) was running`),
    );
    assert.equal(fake.stateOf(uid as string), 'RUNNING');
  });

  it('starts stopped clusters and skips running ones without looking at keep-alives', async () => {
    const fake = fakeFleetApi();
    const stopped = await fake.seed('test-1', { env: 'test' }, 'STOPPED');
    await fake.seed('test-2', { env: 'test' });
    fake.keepAlives.push({
      clusterId: stopped,
      clusterName: 'test-1',
      until: '2099-01-01T00:00:00Z',
      reason: 'x',
      setBy: 'y',
      setAt: '2026-01-01T00:00:00Z',
    });
    const summary = await run(fake, stopTest({ action: 'start' }));
    assert.deepEqual(summary.done, ['test-1']);
    assert.deepEqual(summary.skipped, [{ cluster: 'test-2', reason: 'already RUNNING' }]);
    assert.equal(fake.stateOf(stopped), 'RUNNING');
  });

  it('reports explicit clusters that do not exist as failed', async () => {
    const fake = fakeFleetApi();
    await fake.seed('test-1');
    const summary = await run(fake, stopTest({ selector: { clusters: ['test-1', 'no-such-cluster'] } }));
    assert.deepEqual(summary.done, ['test-1']);
    assert.deepEqual(summary.failed, [
      { cluster: 'no-such-cluster', reason: 'not found: no live cluster has this id or name' },
    ]);
    assert.equal(summary.selected, 2);
  });

  it('refuses a selector with no criterion before touching anything', async () => {
    const fake = fakeFleetApi();
    await fake.seed('test-1');
    await assert.rejects(run(fake, stopTest({ selector: {} })), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(error.cause?.message ?? '', /selector names no criterion and would pick every cluster/);
      return true;
    });
    assert.equal(fake.apiCalls.length, 0);
  });

  /** The history length of each run of a workflow, following its continue-as-new chain. */
  async function runLengths(workflowId: string, firstRunId: string): Promise<number[]> {
    const lengths: number[] = [];
    let runId: string | undefined = firstRunId;
    while (runId) {
      const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await environment.client.workflow
        .getHandle(workflowId, runId)
        .fetchHistory();
      const events = history.events ?? [];
      lengths.push(events.length);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    return lengths;
  }

  /** Another change holds `change:<uid>` for `forMs` (a keep-alive workflow stands in for it). */
  async function startOtherChange(taskQueue: string, uid: string, forMs: number) {
    const now = await environment.currentTimeMs();
    return environment.client.workflow.start(keepAliveRunbook, {
      taskQueue,
      workflowId: changeWorkflowId(uid),
      args: [
        {
          clusterId: uid,
          clusterName: 'x',
          until: new Date(now + forMs).toISOString(),
          reason: 'r',
          setBy: 's',
          setAt: new Date(now).toISOString(),
        },
      ],
    });
  }
});

function byCluster(left: FleetSummary['skipped'][number], right: FleetSummary['skipped'][number]): number {
  return left.cluster.localeCompare(right.cluster);
}
