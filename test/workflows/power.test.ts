import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  keepAliveStartOptions,
  POWER_ACTION_FAILED,
  powerStartOptions,
  type ClusterObservation,
  type KeepAlive,
  type PowerInput,
  type PowerResult,
} from '../../src/shared/power';
import { keepAliveRunbook, removeKeepAliveSignal } from '../../src/workflows/keep-alive';
import { clusterObservedSignal } from '../../src/workflows/fleet-watch';
import { powerRunbook } from '../../src/workflows/power';
import { runbookProgressQuery } from '../../src/workflows/progress';
import { fakeFleetApi } from '../helpers/fake-fleet-api';
import {
  createTimeSkippingEnvironment,
  terminateWhenIdle,
  withWorker,
} from '../helpers/workflow-environment';

type Fake = ReturnType<typeof fakeFleetApi>;
const HOUR = 3_600_000;

const powerInput = (clusterId: string, overrides: Partial<PowerInput> = {}): PowerInput => ({
  clusterId,
  action: 'stop',
  requester: 'alice',
  source: 'person',
  ...overrides,
});

/** The failure a power runbook ends with, and the `PowerResult` it carries. */
function failedResult(error: unknown): { failure: ApplicationFailure; result: PowerResult } {
  assert.ok(error instanceof WorkflowFailedError, `expected a failed workflow, got ${String(error)}`);
  const failure = error.cause;
  assert.ok(failure instanceof ApplicationFailure);
  return { failure, result: failure.details?.[0] as PowerResult };
}

describe('power runbook (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  async function run(fake: Fake, input: PowerInput) {
    return withWorker(environment, fake.activities, async (taskQueue) => {
      const handle = await environment.client.workflow.start(
        powerRunbook,
        powerStartOptions(input, taskQueue),
      );
      try {
        return { result: await handle.result(), progress: await handle.query(runbookProgressQuery) };
      } catch (error) {
        return { error, progress: await handle.query(runbookProgressQuery) };
      }
    });
  }

  it('stops a running cluster, waits for STOPPED, confirms it and reports its nodes', async () => {
    const fake = fakeFleetApi();
    const uid = await fake.seed('test-a', { env: 'test' });
    const { result, progress, error } = await run(fake, powerInput(uid, { reason: 'night' }));
    assert.equal(error, undefined);
    assert.equal(result?.outcome, 'done');
    assert.equal(result?.finalState, 'STOPPED');
    assert.equal(result?.clusterName, 'test-a');
    assert.equal(result?.requester, 'alice');
    assert.deepEqual(result?.nodes, [
      { group: 'master', instanceType: 't2.small', replicas: 3 },
      { group: 'query', instanceType: 't2.small', replicas: 3 },
      { group: 'data.tier1', instanceType: 't2.small', replicas: 1 },
    ]);
    assert.equal(fake.stateOf(uid), 'STOPPED');
    assert.deepEqual(
      progress.steps.map((step) => step.status),
      ['completed', 'completed', 'completed', 'completed'],
    );
    assert.equal(fake.calls.filter((call) => call.startsWith('setDesiredState')).length, 1);
  });

  /**
   * A fleet-watched runbook (as the fleet starts it) on a fresh RUNNING cluster, told by a signal, as
   * the fleet tells it, that the cluster is STOPPED at `version`.
   */
  async function runWatched(version: number) {
    const fake = fakeFleetApi();
    const uid = await fake.seed('test-w', { env: 'test' });
    const word: ClusterObservation = {
      clusterId: uid,
      state: 'STOPPED',
      resourceVersion: version,
      desiredState: 'STOPPED',
    };
    const { result, wait } = await withWorker(environment, fake.activities, async (taskQueue) => {
      const input = powerInput(uid, {
        watchedByFleet: true,
        listed: { clusterName: 'test-w', state: 'RUNNING', resourceVersion: 0, nodes: [] },
      });
      const handle = await environment.client.workflow.start(
        powerRunbook,
        powerStartOptions(input, taskQueue),
      );
      await handle.signal(clusterObservedSignal, word);
      const result = await handle.result();
      const progress = await handle.query(runbookProgressQuery);
      return { result, wait: progress.steps.find((step) => step.name === 'wait')?.detail ?? '' };
    });
    return { fake, uid, result, wait };
  }

  it("in a fleet, PATCHes and takes the fleet's word for STOPPED, with no poll of its own", async () => {
    const { fake, result, wait } = await runWatched(1);
    assert.equal(result.outcome, 'done');
    // The PATCH took the cluster from version 0 to 1: the fleet's word at 1 counts.
    assert.match(wait, /^STOPPED at resource version 1 \(seen by the fleet\)$/);
    assert.deepEqual(
      fake.apiCalls.map((call) => call.activity),
      ['setDesiredState'],
    );
  });

  it('in a fleet, polls by itself after a word older than its PATCH, and says so', async () => {
    const { fake, uid, result, wait } = await runWatched(-1);
    assert.equal(result.outcome, 'done');
    assert.equal(fake.stateOf(uid), 'STOPPED');
    assert.match(wait, /^STOPPED at resource version 1$/);
    assert.ok(fake.apiCalls.some((call) => call.activity === 'getClusterSummary'));
  });

  it('skips a cluster that is already stopped without sending anything', async () => {
    const fake = fakeFleetApi();
    const uid = await fake.seed('test-b', {}, 'STOPPED');
    const { result } = await run(fake, powerInput(uid));
    assert.equal(result?.outcome, 'skipped');
    assert.equal(result?.reason, 'already STOPPED');
    assert.ok(!fake.calls.some((call) => call.startsWith('setDesiredState')));
  });

  it('asks visibility about no lifecycle runbook: one change per cluster holds by its workflow id', async () => {
    const fake = fakeFleetApi();
    const uid = await fake.seed('test-lifecycle');
    const { result } = await run(fake, powerInput(uid));
    assert.equal(result?.outcome, 'done');
    assert.ok(!fake.calls.includes('findLifecycleChange'), fake.calls.join(', '));
  });

  it('waits for a stop in flight to settle before starting the cluster again', async () => {
    const fake = fakeFleetApi({ transitionPolls: 3 });
    const uid = await fake.seed('test-c');
    await fake.startTransition(uid, 'STOPPED');
    assert.equal(fake.stateOf(uid), 'STOPPING');
    const { result, progress } = await run(fake, powerInput(uid, { action: 'start' }));
    assert.equal(result?.outcome, 'done');
    assert.equal(fake.stateOf(uid), 'RUNNING');
    const desired = fake.calls.filter((call) => call.startsWith('setDesiredState'));
    assert.deepEqual(desired, ['setDesiredState:STOPPED', 'setDesiredState:STARTED']);
    const settledBeforeStart =
      fake.calls.indexOf('getClusterSummary') < fake.calls.lastIndexOf('setDesiredState:STARTED');
    assert.ok(settledBeforeStart, 'the runbook polled the stop to its end before asking to start');
    assert.match(progress.steps[0]?.detail ?? '', /test-c is STOPPED/);
  });

  describe("in a fleet run, acting on the fleet's listing", () => {
    const listedAs = (state: string, clusterName: string, resourceVersion = 0) => ({
      listed: {
        clusterName,
        state,
        resourceVersion,
        nodes: [{ group: 'master', instanceType: 'm5.large', replicas: 3 }],
      },
    });

    it('sends only the PATCH and the polls, and confirms on the last poll', async () => {
      const fake = fakeFleetApi();
      const uid = await fake.seed('listed-a');
      const { result, progress, error } = await run(fake, powerInput(uid, listedAs('RUNNING', 'listed-a')));
      assert.equal(error, undefined);
      assert.equal(result?.outcome, 'done');
      assert.equal(result?.finalState, 'STOPPED');
      assert.deepEqual(result?.nodes, [{ group: 'master', instanceType: 'm5.large', replicas: 3 }]);
      assert.equal(fake.stateOf(uid), 'STOPPED');
      const sent = fake.apiCalls.filter((call) => call.clusterId === uid).map((call) => call.activity);
      assert.equal(sent[0], 'setDesiredState');
      assert.ok(
        sent.slice(1).every((activity) => activity === 'getClusterSummary'),
        sent.join(', '),
      );
      assert.deepEqual(
        progress.steps.map((step) => step.status),
        ['completed', 'completed', 'completed', 'completed'],
      );
      assert.match(progress.steps[0]?.detail ?? '', /listed-a was RUNNING when the fleet listed it/);
    });

    it('skips when the PATCH answers STOPPED at the listed resource version (the API changed nothing)', async () => {
      const fake = fakeFleetApi();
      const uid = await fake.seed('listed-b', {}, 'STOPPED');
      const { result, progress } = await run(fake, powerInput(uid, listedAs('RUNNING', 'listed-b')));
      assert.equal(result?.outcome, 'skipped');
      assert.equal(result?.reason, 'already STOPPED');
      assert.equal(fake.clusters.get(uid)?.history.length, 1, 'no new resource version');
      assert.ok(!fake.calls.includes('getClusterSummary'), 'no polling for a change that was not made');
      assert.deepEqual(
        progress.steps.map((step) => step.status),
        ['completed', 'completed', 'skipped', 'skipped'],
      );
    });

    it('on a 409 (busy since the listing) reads, waits for it to settle, then stops it', async () => {
      const fake = fakeFleetApi({ transitionPolls: 2 });
      const uid = await fake.seed('listed-c', {}, 'STOPPED');
      await fake.startTransition(uid, 'STARTED');
      assert.equal(fake.stateOf(uid), 'STARTING');
      const { result, progress } = await run(fake, powerInput(uid, listedAs('RUNNING', 'listed-c')));
      assert.equal(result?.outcome, 'done');
      assert.equal(fake.stateOf(uid), 'STOPPED');
      const sent = fake.apiCalls.filter((call) => call.clusterId === uid).map((call) => call.activity);
      const busyPatch = sent.indexOf('setDesiredState');
      const read = sent.indexOf('readClusterPower');
      assert.ok(busyPatch === 0 && read > busyPatch, `PATCH, 409, then a read: ${sent.join(', ')}`);
      assert.equal(
        sent.filter((activity) => activity === 'setDesiredState').length,
        2,
        'one 409, one accepted',
      );
      assert.match(progress.steps[1]?.detail ?? '', /desiredState STOPPED accepted/);
    });
  });

  it('fails with the PowerResult in its details when the stop ends in FAILED', async () => {
    const fake = fakeFleetApi();
    const uid = await fake.seed('test-d');
    fake.failing.add(uid);
    const { error, progress } = await run(fake, powerInput(uid));
    const { failure, result } = failedResult(error);
    assert.equal(failure.type, POWER_ACTION_FAILED);
    assert.equal(result.outcome, 'failed');
    assert.equal(result.finalState, 'FAILED');
    assert.match(result.reason ?? '', /ended in FAILED while waiting for STOPPED/);
    assert.equal(progress.outcome, 'failed');
  });

  it('keeps its own calls at least minRequestIntervalMs apart', async () => {
    const fake = fakeFleetApi({ transitionPolls: 3 });
    const uid = await fake.seed('test-e');
    await run(fake, powerInput(uid, { minRequestIntervalMs: 2000, wait: { pollInitialMs: 100 } }));
    const times = fake.apiCalls.filter((call) => call.clusterId === uid).map((call) => call.atMs);
    assert.ok(times.length >= 5, `${times.length} calls`);
    for (let index = 1; index < times.length; index++) {
      const gap = (times[index] as number) - (times[index - 1] as number);
      // A workflow task takes a few ms between its timer firing and the call being scheduled.
      assert.ok(gap >= 2000 - 250, `calls ${index - 1} and ${index} were ${gap} ms apart`);
    }
  });

  it('refuses a second change to the same cluster while one runs', async () => {
    const fake = fakeFleetApi({ neverSettle: true });
    const uid = await fake.seed('test-f');
    await fake.startTransition(uid, 'STOPPED');
    await withWorker(environment, fake.activities, async (taskQueue) => {
      const first = await environment.client.workflow.start(
        powerRunbook,
        powerStartOptions(powerInput(uid), taskQueue),
      );
      await assert.rejects(
        environment.client.workflow.start(powerRunbook, powerStartOptions(powerInput(uid), taskQueue)),
        (error) =>
          error instanceof WorkflowExecutionAlreadyStartedError && error.workflowId === `change:${uid}`,
      );
      await terminateWhenIdle(first);
    });
  });
});

describe('keep-alive override (time skipping)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  const keepAlive = (now: number, clusterId: string): KeepAlive => ({
    clusterId,
    clusterName: 'test-keep',
    until: new Date(now + 10 * HOUR).toISOString(),
    reason: 'load test tonight',
    setBy: 'bob',
    setAt: new Date(now).toISOString(),
  });

  it('ends by itself at its until time', async () => {
    await withWorker(environment, {}, async (taskQueue) => {
      const now = await environment.currentTimeMs();
      const options = keepAliveStartOptions(keepAlive(now, 'uid-keep-1'), taskQueue);
      const handle = await environment.client.workflow.start(keepAliveRunbook, options);
      const end = await handle.result();
      assert.equal(end.ended, 'expired');
      assert.ok((await environment.currentTimeMs()) - now >= 10 * HOUR);
      assert.equal(end.setBy, 'bob');
    });
  });

  it('ends early when removed, recording who removed it', async () => {
    await withWorker(environment, {}, async (taskQueue) => {
      const now = await environment.currentTimeMs();
      const options = keepAliveStartOptions(keepAlive(now, 'uid-keep-2'), taskQueue);
      const handle = await environment.client.workflow.start(keepAliveRunbook, options);
      await handle.signal(removeKeepAliveSignal, { by: 'carol', reason: 'test done' });
      const end = await handle.result();
      assert.equal(end.ended, 'removed');
      assert.equal(end.removedBy, 'carol');
      assert.equal(end.removedReason, 'test done');
    });
  });
});
