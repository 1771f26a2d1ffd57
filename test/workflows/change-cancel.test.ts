import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunbookProgress } from '../../src/shared/runbook';
import { cancelledBySignal, rollbackDecisionSignal } from '../../src/workflows/change-messages';
import { runbookProgressQuery } from '../../src/workflows/progress';
import { createTimeSkippingEnvironment } from '../helpers/workflow-environment';
import {
  autoScaleInput,
  changeInput,
  fakeChangeApi,
  scale,
  submit,
  untilState,
  withChangeWorker,
  type ChangeFake,
  type ChangeHandle,
} from './change-harness';

describe('change runbook: cancelling it (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  const replicasOf = (fake: ChangeFake, uid: string) =>
    fake.clusters.get(uid)!.history.map((entry) => entry.spec.data?.tier1?.replicas);

  async function scaleTo4(
    uid: string,
    taskQueue: string,
    input = autoScaleInput(uid),
  ): Promise<ChangeHandle> {
    const { ack } = await submit(environment, taskQueue, input, scale({ 'data.tier1.replicas': 4 }));
    assert.equal(ack?.disposition, 'started');
    return environment.client.workflow.getHandle(`change:${uid}`);
  }

  /** Advances test time until the runbook runs `step` and `also` holds. */
  async function untilStep(handle: ChangeHandle, step: string, also: () => boolean = () => true) {
    for (let attempt = 0; attempt < 300; attempt++) {
      const progress = await handle.query(runbookProgressQuery).catch(() => undefined);
      if (progress?.currentStep === step && also()) return;
      await environment.sleep(100);
    }
    assert.fail(`the change runbook never reached step ${step}`);
  }

  /** As `imply-runbooks cancel --as <by>` does it: who, then the cancel itself. */
  async function cancel(handle: ChangeHandle, by?: string): Promise<void> {
    if (by) await handle.signal(cancelledBySignal, { by });
    await handle.cancel();
  }

  /** The run ended cancelled (Temporal's status, not a failure), and its steps as the query shows them. */
  async function endedCancelled(handle: ChangeHandle): Promise<RunbookProgress> {
    const error = await handle.result().then(
      () => assert.fail('the runbook should have ended cancelled'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof WorkflowFailedError, String(error));
    assert.ok(error.cause instanceof CancelledFailure, String(error.cause));
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    const progress = await handle.query(runbookProgressQuery);
    assert.equal(progress.outcome, 'cancelled');
    return progress;
  }

  const stepOf = (progress: RunbookProgress, name: string) =>
    progress.steps.find((step) => step.name === name)!;

  it('puts the previous configuration back when cancelled while the PUT is being applied, then ends cancelled', async () => {
    const fake = fakeChangeApi({ transitionPolls: 5 });
    const uid = await fake.createRunning();
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(uid, taskQueue);
      await untilStep(handle, 'wait');
      assert.equal(fake.clusters.get(uid)?.state, 'UPDATING');
      await cancel(handle, 'carol');
      const progress = await endedCancelled(handle);
      // The restore waited for the cancelled update to end: a PUT while UPDATING would be refused.
      assert.deepEqual(replicasOf(fake, uid), [1, 4, 1]);
      assert.equal(fake.clusters.get(uid)?.state, 'RUNNING');
      assert.deepEqual(
        ['apply', 'wait', 'verify', 'rollback'].map((name) => stepOf(progress, name).status),
        ['completed', 'cancelled', 'skipped', 'completed'],
      );
      assert.equal(stepOf(progress, 'verify').detail, 'cancelled by carol during wait');
      assert.equal(
        stepOf(progress, 'rollback').detail,
        'put back version 0 (cancelled by carol during wait); resource version 1 → 2',
      );
      assert.deepEqual(
        fake.events.map((event) => [event.kind, event.message]),
        [['rolled-back', 'Rolled back to version 0 because cancelled by carol during wait.']],
      );
    });
  });

  it('rolls back a PUT that landed though its answer was lost, when cancelled while the apply retries', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.lostAnswersAt = 0;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(uid, taskQueue);
      await untilStep(handle, 'apply', () => replicasOf(fake, uid).length === 2);
      await cancel(handle);
      const progress = await endedCancelled(handle);
      assert.deepEqual(replicasOf(fake, uid), [1, 4, 1]);
      assert.equal(stepOf(progress, 'apply').status, 'cancelled');
      assert.equal(
        stepOf(progress, 'rollback').detail,
        'put back version 0 (cancelled during apply); resource version 1 → 2',
      );
    });
  });

  it('puts nothing back when cancelled before the PUT landed, and says so', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.busyUpdates = Number.POSITIVE_INFINITY;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(uid, taskQueue);
      await untilStep(handle, 'apply', () => fake.calls.includes('replaceCluster:409'));
      await cancel(handle, 'carol');
      const progress = await endedCancelled(handle);
      assert.deepEqual(replicasOf(fake, uid), [1]);
      assert.equal(stepOf(progress, 'rollback').status, 'skipped');
      assert.equal(
        stepOf(progress, 'rollback').detail,
        'cancelled by carol during apply: the cluster is still at resource version 0, ' +
          'so the PUT never landed: nothing to roll back',
      );
      assert.equal(stepOf(progress, 'wait').status, 'skipped');
      assert.deepEqual(fake.events, []);
    });
  });

  it('applies nothing when cancelled while the plan waits for approval', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(uid, taskQueue, changeInput(uid));
      await untilState(environment, handle, (state) => state.phase === 'approval', 'waits for approval');
      await cancel(handle, 'carol');
      const progress = await endedCancelled(handle);
      assert.equal(stepOf(progress, 'approve').status, 'cancelled');
      assert.equal(stepOf(progress, 'apply').status, 'pending');
      assert.ok(!fake.calls.some((call) => call.startsWith('replaceCluster')), fake.calls.join(', '));
      assert.deepEqual(replicasOf(fake, uid), [1]);
    });
  });

  it('finishes a rollback it is running when cancelled meanwhile, then ends cancelled', async () => {
    const fake = fakeChangeApi({ transitionPolls: 3 });
    const uid = await fake.createRunning();
    fake.faults.failUpdates = 1;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(uid, taskQueue);
      await untilStep(handle, 'rollback', () => replicasOf(fake, uid).length === 3);
      assert.equal(fake.clusters.get(uid)?.state, 'UPDATING');
      await cancel(handle, 'carol');
      const progress = await endedCancelled(handle);
      assert.deepEqual(replicasOf(fake, uid), [1, 4, 1]);
      assert.equal(fake.clusters.get(uid)?.state, 'RUNNING');
      assert.equal(stepOf(progress, 'rollback').status, 'completed');
      assert.match(
        stepOf(progress, 'rollback').detail ?? '',
        /^put back version 0 \(cluster uid-1 ended in FAILED .*\); resource version 1 → 2; cancelled by carol during rollback: the rollback was finished first$/,
      );
    });
  });

  it('keeps a failed rollback waiting for a person when cancelled, and ends cancelled once it is retried and done', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.failUpdates = 2;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(uid, taskQueue);
      await untilState(environment, handle, (state) => state.phase === 'needs-person', 'needs a person');
      await cancel(handle, 'carol');
      await environment.sleep(60_000);
      await untilState(
        environment,
        handle,
        (state) => state.phase === 'needs-person',
        'still needs a person',
      );
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      await handle.signal(rollbackDecisionSignal, { decision: 'retry', decider: 'alice' });
      const progress = await endedCancelled(handle);
      assert.deepEqual(replicasOf(fake, uid), [1, 4, 1, 1]);
      assert.equal(fake.clusters.get(uid)?.state, 'RUNNING');
      assert.match(stepOf(progress, 'rollback').detail ?? '', /cancelled by carol during rollback/);
    });
  });
});
