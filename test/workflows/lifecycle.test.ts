import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type { LifecycleInput } from '../../src/shared/runbook';
import type { ApprovalPolicy } from '../../src/shared/approval';
import { powerStartOptions } from '../../src/shared/power';
import { lifecycleRunbook, powerRunbook, runbookProgressQuery } from '../../src/workflows';
import { approveChangeUpdate, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import type { changeRunbook } from '../../src/workflows/change';
import { changeInput, scale, submit } from './change-harness';
import { fakeChangeApi } from '../helpers/fake-change-api';
import type { FakeOptions } from '../helpers/fake-cluster-api';
import { createTimeSkippingEnvironment, withWorker } from '../helpers/workflow-environment';

const tutorialCluster = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8')) as ClusterRequest;
const HOUR = 3_600_000;

const tutorialInput = (overrides: Partial<LifecycleInput> = {}): LifecycleInput => ({
  cluster: tutorialCluster,
  scale: [
    { path: 'spec.data.tier1.replicas', value: 2 },
    { path: 'metadata.name', value: 'clusters-example-scaled' },
  ],
  stop: { afterMs: 8 * HOUR },
  delete: { afterMs: 24 * HOUR },
  ...overrides,
});

describe('lifecycle runbook (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  async function run(input: LifecycleInput, fakeOptions: FakeOptions = {}) {
    const fake = fakeChangeApi(fakeOptions);
    const outcome = await withWorker(environment, fake.activities, async (taskQueue) => {
      const handle = await environment.client.workflow.start(lifecycleRunbook, {
        taskQueue,
        workflowId: `lifecycle-test-${Math.random()}`,
        args: [input],
      });
      const startedAt = await environment.currentTimeMs();
      try {
        const result = await handle.result();
        return { result, elapsedMs: (await environment.currentTimeMs()) - startedAt };
      } catch (error) {
        // Queries on a closed workflow need a worker to replay it: ask while this one still runs.
        return { error, elapsedMs: 0, progress: await handle.query(runbookProgressQuery) };
      }
    });
    return { ...outcome, fake };
  }

  it('runs all six steps, sleeping 8h before the stop and 1d before the delete', async () => {
    const { result, elapsedMs, fake, error } = await run(tutorialInput());
    assert.equal(error, undefined);
    assert.ok(result);
    assert.equal(result.outcome, 'completed');
    assert.equal(result.finalState, 'DELETED');
    assert.equal(result.clusterName, 'clusters-example-scaled');
    assert.deepEqual(result.verifiedVersion, { before: 0, after: 1 });
    assert.deepEqual(
      result.steps.map((step) => [step.name, step.status]),
      [
        ['validate', 'completed'],
        ['create', 'completed'],
        ['wait-running', 'completed'],
        ['scale', 'completed'],
        ['stop', 'completed'],
        ['delete', 'completed'],
      ],
    );
    assert.ok(elapsedMs >= 32 * HOUR, `the timers slept ${elapsedMs} ms`);
    assert.equal(fake.calls.filter((call) => call === 'createCluster').length, 1);
    assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1);
    assert.ok(fake.calls.includes('setDesiredState:STOPPED'));
    const cluster = [...fake.clusters.values()][0];
    assert.equal(cluster?.config.spec.data?.tier1?.replicas, 2);
    assert.equal(cluster?.gone, true);
  });

  it('skips scale, stop and delete when the plan asks for none, and keeps the cluster', async () => {
    const { result, fake } = await run(tutorialInput({ scale: [], stop: undefined, delete: undefined }));
    assert.ok(result);
    assert.equal(result.finalState, 'RUNNING');
    assert.deepEqual(
      result.steps.filter((step) => step.status === 'skipped').map((step) => step.name),
      ['scale', 'stop', 'delete'],
    );
    assert.equal([...fake.clusters.values()][0]?.gone, false);
  });

  it('fails clearly when the cluster ends in FAILED instead of RUNNING', async () => {
    const { error, progress } = await run(tutorialInput(), {
      failTransitionTo: 'RUNNING',
      transitionPolls: 0,
    });
    assert.ok(error instanceof WorkflowFailedError);
    const cause = error.cause as Error & { type?: string };
    assert.equal(cause.type, 'ClusterFailed');
    assert.match(cause.message, /ended in FAILED while waiting for RUNNING/);
    assert.equal(progress?.outcome, 'failed');
    assert.equal(progress?.steps.find((step) => step.name === 'wait-running')?.status, 'failed');
  });

  it('fails with DeadlineExceeded when the cluster never settles, after polling with backoff', async () => {
    const input = tutorialInput({
      wait: { transitionTimeoutMs: 30 * 60_000, pollInitialMs: 1000, pollMaxMs: 60_000 },
    });
    const { error, fake } = await run(input, { neverSettle: true });
    assert.ok(error instanceof WorkflowFailedError);
    assert.equal((error.cause as Error & { type?: string }).type, 'DeadlineExceeded');
    const polls = fake.calls.filter((call) => call === 'getClusterSummary').length;
    // 1+2+4+8+16+32 s, then one poll a minute up to 30 minutes: far fewer than one per second.
    assert.ok(polls > 20 && polls < 40, `polled ${polls} times in 30 minutes`);
  });

  it('shows its progress in a query while it sleeps before the stop, and deletes on cancel when told to', async () => {
    const fake = fakeChangeApi();
    await withWorker(environment, fake.activities, async (taskQueue) => {
      const input = tutorialInput({ stop: { afterMs: 8 * HOUR }, onCancel: 'delete' });
      const handle = await startLifecycle(taskQueue, 'cancel', input);
      const progress = await untilStep(handle, 'stop');
      assert.equal(progress.clusterName, 'clusters-example-scaled');
      assert.ok(progress.clusterId);
      assert.equal(progress.resourceVersion, 1);
      assert.match(progress.steps.find((step) => step.name === 'stop')?.detail ?? '', /sleeping 8h/);
      await handle.cancel();
      await assert.rejects(handle.result());
      const final = await handle.query(runbookProgressQuery);
      assert.equal(final.outcome, 'cancelled');
    });
    assert.ok(fake.calls.includes('deleteCluster'));
    assert.equal([...fake.clusters.values()][0]?.gone, true);
  });

  it('rolls back a scale that fails verification, through the change runbook, and fails naming it', async () => {
    const fake = fakeChangeApi();
    fake.faults.dropNextChange = true;
    const outcome = await withWorker(environment, fake.activities, async (taskQueue) => {
      const input = tutorialInput({ scale: [{ path: 'spec.data.tier1.replicas', value: 2 }] });
      const handle = await startLifecycle(taskQueue, 'rollback', input);
      const error = await handle.result().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      const change = await environment.client.workflow.getHandle('change:uid-1').result();
      return { error, change };
    });
    assert.ok(outcome.error instanceof WorkflowFailedError);
    const cause = outcome.error.cause as Error & { type?: string };
    assert.equal(cause.type, 'ScaleRolledBack');
    assert.match(cause.message, /rolled back by change:uid-1: the API does not hold the approved change/);
    assert.equal(outcome.change.outcome, 'rolled-back');
    assert.equal(outcome.change.rollback?.restoredVersion, 0);
    assert.ok(!fake.calls.some((call) => call.startsWith('setDesiredState')), 'no stop after a failed scale');
    assert.equal([...fake.clusters.values()][0]?.gone, false);
  });

  it('refuses, before creating anything, a scale outside the policy bounds or a delete of a protected cluster', async () => {
    const bounded: LifecycleInput['policy'] = {
      name: 'small',
      bounds: { 'data.tier1': { maxReplicas: 1 } },
      cooldownMs: 0,
      autoApprove: [],
      force: false,
      protected: false,
    };
    const tooBig = await run(tutorialInput({ policy: bounded }));
    assert.ok(tooBig.error instanceof WorkflowFailedError);
    assert.match(
      (tooBig.error.cause as Error).message,
      /--scale: policy "small": data\.tier1\.replicas 2 is above maxReplicas 1/,
    );
    const guarded = await run(tutorialInput({ scale: [], policy: { ...bounded, protected: true } }));
    assert.ok(guarded.error instanceof WorkflowFailedError);
    assert.match((guarded.error.cause as Error).message, /--delete: the cluster is protected/);
    for (const { fake } of [tooBig, guarded]) assert.deepEqual(fake.calls, [], 'nothing was called');
  });

  /** Who approves the scale in the tests below: one of alice and bob; dave asks, erin triggers. */
  const OPS: ApprovalPolicy = {
    name: 'test',
    stage: { groups: ['ops'], approvers: ['alice', 'bob'], required: 1, timeoutMs: 24 * HOUR },
  };
  /** Every fake's first cluster is uid-1: the id of its change runbook. */
  const gateOf = () => environment.client.workflow.getHandle<typeof changeRunbook>('change:uid-1');

  function startLifecycle(taskQueue: string, label: string, input: LifecycleInput) {
    return environment.client.workflow.start(lifecycleRunbook, {
      taskQueue,
      workflowId: `lifecycle-${label}-${Math.random()}`,
      args: [input],
    });
  }

  /** A lifecycle with no scale that sleeps an hour before its stop, with the given transition timeout. */
  const sleepsBeforeStop = (transitionTimeoutMs: number) =>
    tutorialInput({
      scale: [],
      stop: { afterMs: HOUR },
      delete: undefined,
      wait: { transitionTimeoutMs, pollInitialMs: 1000, pollMaxMs: 60_000 },
    });

  /** A trigger from erin, as the CLI and the web server send it: update-with-start on change:uid-1. */
  const trigger = (taskQueue: string, changes: Record<string, number>) =>
    submit(environment, taskQueue, changeInput('uid-1', { approval: OPS }), {
      ...scale(changes, 'erin'),
      source: 'http',
    });

  const approve = (planVersion: number, decider = 'alice') =>
    gateOf()
      .executeUpdate(approveChangeUpdate, { args: [{ decider, decision: 'approve', planVersion }] })
      .then(
        () => 'accepted',
        (error: Error) => (error.cause as Error).message,
      );

  it('joins a trigger for its cluster into the scale waiting for approval: one change, one gate', async () => {
    const fake = fakeChangeApi();
    await withWorker(environment, fake.activities, async (taskQueue) => {
      const lifecycle = await startLifecycle(
        taskQueue,
        'merge',
        tutorialInput({
          scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
          stop: undefined,
          delete: undefined,
          requester: 'dave',
          approval: OPS,
        }),
      );
      const first = await untilGatePending(1);
      assert.deepEqual(first.plan.diffLines, ['spec.data.tier1.replicas: 1 → 2']);

      const triggered = await trigger(taskQueue, { 'query.replicas': 4 });
      assert.equal(triggered.ack?.runbookId, 'change:uid-1');
      assert.equal(triggered.ack?.disposition, 'merged');
      const merged = await untilGatePending(2);
      assert.deepEqual(merged.plan.diffLines.sort(), [
        'spec.data.tier1.replicas: 1 → 2',
        'spec.query.replicas: 3 → 4',
      ]);
      // Both requesters asked for this change: neither may approve it.
      assert.match(await approve(2, 'erin'), /erin/);
      assert.equal(await approve(2), 'accepted');
      const result = await lifecycle.result();
      assert.equal(result.outcome, 'completed');
      assert.deepEqual(result.verifiedVersion, { before: 0, after: 1 });
      assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1, 'one PUT for both');
      const config = [...fake.clusters.values()][0]?.config;
      assert.equal(config?.spec.data?.tier1?.replicas, 2);
      assert.equal(config?.spec.query?.replicas, 4);
      assert.equal(result.approval?.plans.length, 2);
    });
  });

  it('refuses a stop started by hand while its scale waits for approval: one change per cluster, by id', async () => {
    const fake = fakeChangeApi();
    await withWorker(environment, fake.activities, async (taskQueue) => {
      const input = tutorialInput({ stop: undefined, delete: undefined, requester: 'dave', approval: OPS });
      const lifecycle = await startLifecycle(taskQueue, 'busy', input);
      await untilGatePending(1);
      const stop = { clusterId: 'uid-1', action: 'stop', requester: 'erin', source: 'person' } as const;
      await assert.rejects(
        environment.client.workflow.start(powerRunbook, powerStartOptions(stop, taskQueue)),
        WorkflowExecutionAlreadyStartedError,
      );
      assert.ok(!fake.calls.some((call) => call.startsWith('setDesiredState')));
      await lifecycle.cancel();
      await assert.rejects(lifecycle.result());
    });
  });

  it('waits for another change of its cluster to end before its stop: one change per cluster, by id', async () => {
    const fake = fakeChangeApi();
    await withWorker(environment, fake.activities, async (taskQueue) => {
      const lifecycle = await startLifecycle(taskQueue, 'waits', sleepsBeforeStop(30 * 60_000));
      // While the lifecycle sleeps before its stop, a trigger opens a change that waits for approval.
      await untilStep(lifecycle, 'stop');
      assert.equal((await trigger(taskQueue, { 'data.tier1.replicas': 2 })).ack?.disposition, 'started');
      await environment.sleep(HOUR + 60_000);
      const waiting = await lifecycle.query(runbookProgressQuery);
      assert.equal(waiting.currentStep, 'stop');
      assert.match(
        waiting.steps.find((step) => step.name === 'stop')?.detail ?? '',
        /change:uid-1 is busy with another change: trying again in/,
      );
      assert.ok(!fake.calls.some((call) => call.startsWith('setDesiredState')), 'no stop under the change');
      await untilGatePending(1);
      assert.equal(await approve(1), 'accepted');
      const result = await lifecycle.result();
      assert.equal(result.finalState, 'STOPPED');
      const calls = fake.calls.filter(
        (call) => call === 'replaceCluster' || call.startsWith('setDesiredState'),
      );
      assert.deepEqual(
        calls,
        ['replaceCluster', 'setDesiredState:STOPPED'],
        'the change first, then the stop',
      );
    });
  });

  it('gives up its stop at the transition timeout when another change holds the cluster, naming it', async () => {
    const fake = fakeChangeApi();
    await withWorker(environment, fake.activities, async (taskQueue) => {
      const lifecycle = await startLifecycle(taskQueue, 'gives-up', sleepsBeforeStop(5 * 60_000));
      await untilStep(lifecycle, 'stop');
      try {
        assert.equal((await trigger(taskQueue, { 'data.tier1.replicas': 2 })).ack?.disposition, 'started');
        const error = await lifecycle.result().then(
          () => undefined,
          (failure: unknown) => failure,
        );
        assert.ok(error instanceof WorkflowFailedError);
        const cause = error.cause as Error & { type?: string };
        assert.equal(cause.type, 'ClusterChangeBusy');
        assert.match(cause.message, /change:uid-1 stayed busy with another change of this cluster/);
        assert.ok(!fake.calls.some((call) => call.startsWith('setDesiredState')));
      } finally {
        await gateOf()
          .terminate('test over')
          .catch(() => undefined);
      }
    });
  });

  /** Advances time until the lifecycle is at `step`; returns its progress there. */
  async function untilStep(handle: WorkflowHandle<typeof lifecycleRunbook>, step: string) {
    let progress = await handle.query(runbookProgressQuery);
    for (let attempt = 0; progress.currentStep !== step && attempt < 300; attempt++) {
      await environment.sleep(1000);
      progress = await handle.query(runbookProgressQuery);
    }
    assert.equal(progress.currentStep, step);
    return progress;
  }

  async function untilGatePending(version: number) {
    const gate = gateOf();
    for (let attempt = 0; attempt < 300; attempt++) {
      const running = (await gate.describe().catch(() => undefined))?.status.name === 'RUNNING';
      const pending = running ? await gate.query(pendingApprovalQuery) : undefined;
      if (pending?.plan.version === version) return pending;
      await environment.sleep(100);
    }
    assert.fail(`plan v${version} of change:uid-1 never waited for approval`);
  }
});
