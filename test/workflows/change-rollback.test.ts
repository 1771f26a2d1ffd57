import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { changeStateQuery, rollbackDecisionSignal } from '../../src/workflows/change-messages';
import { createTimeSkippingEnvironment } from '../helpers/workflow-environment';
import {
  autoScaleInput,
  fakeChangeApi,
  scale,
  submit,
  untilState,
  withChangeWorker,
  type ChangeFake,
  type ChangeHandle,
} from './change-harness';

describe('change runbook: verification and automatic rollback (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  const replicasOf = (fake: ChangeFake, uid: string) =>
    fake.clusters.get(uid)!.history.map((entry) => entry.spec.data?.tier1?.replicas);

  async function scaleTo4(fake: ChangeFake, uid: string, taskQueue: string): Promise<ChangeHandle> {
    const { ack } = await submit(
      environment,
      taskQueue,
      autoScaleInput(uid),
      scale({ 'data.tier1.replicas': 4 }),
    );
    assert.equal(ack?.disposition, 'started');
    return environment.client.workflow.getHandle(`change:${uid}`);
  }

  it('rolls back to the previous version when the update ends in FAILED, and verifies the restore', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.failUpdates = 1;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const result = await (await scaleTo4(fake, uid, taskQueue)).result();
      assert.equal(result.outcome, 'rolled-back');
      assert.match(result.reason ?? '', /cluster uid-1 ended in FAILED while waiting for RUNNING/);
      assert.equal(result.rollback?.restoredVersion, 0);
      assert.deepEqual(result.rollback?.verified, { before: 1, after: 2 });
      assert.equal(result.rollback?.attempts, 1);
      assert.deepEqual(replicasOf(fake, uid), [1, 4, 1]);
      assert.equal(fake.clusters.get(uid)?.state, 'RUNNING');
      assert.deepEqual(
        fake.events.map((event) => event.kind),
        ['rolled-back'],
      );
      assert.match(
        result.steps.find((step) => step.name === 'rollback')?.detail ?? '',
        /put back version 0 .*resource version 1 → 2/,
      );
    });
  });

  it('rolls back when the API does not hold the approved spec after the update', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.dropNextChange = true;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const result = await (await scaleTo4(fake, uid, taskQueue)).result();
      assert.equal(result.outcome, 'rolled-back');
      assert.match(
        result.reason ?? '',
        /the API does not hold the approved change: spec\.data\.tier1\.replicas is 1, expected 4/,
      );
      assert.equal(result.steps.find((step) => step.name === 'verify')?.status, 'failed');
      assert.deepEqual(replicasOf(fake, uid), [1, 1, 1]);
      assert.deepEqual(result.rollback?.verified, { before: 1, after: 2 });
    });
  });

  it('pages out when the rollback fails too, waits for a person, and retries on their signal', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.failUpdates = 2;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(fake, uid, taskQueue);
      const waiting = await untilState(
        environment,
        handle,
        (state) => state.phase === 'needs-person',
        'needs a person',
      );
      assert.match(
        waiting.rollbackProblem ?? '',
        /rolling back to version 0 .* failed: cluster uid-1 ended in FAILED/,
      );
      assert.deepEqual(
        fake.events.map((event) => event.kind),
        ['rollback-failed'],
      );
      assert.equal(fake.clusters.get(uid)?.state, 'FAILED');
      await environment.sleep(3_600_000 + 1000);
      assert.ok(
        fake.events.some((event) => event.kind === 'rollback-reminder'),
        'no reminder after an hour',
      );
      await handle.signal(rollbackDecisionSignal, {
        decision: 'retry',
        decider: 'alice',
        comment: 'capacity freed',
      });
      const result = await handle.result();
      assert.equal(result.outcome, 'rolled-back');
      assert.equal(result.rollback?.attempts, 2);
      assert.deepEqual(result.rollback?.decisions, [
        { decision: 'retry', decider: 'alice', comment: 'capacity freed' },
      ]);
      assert.deepEqual(replicasOf(fake, uid), [1, 4, 1, 1]);
      assert.equal(fake.clusters.get(uid)?.state, 'RUNNING');
    });
  });

  it('ends failed, saying who abandoned it, when a person abandons the failed rollback', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.failUpdates = 2;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const handle = await scaleTo4(fake, uid, taskQueue);
      await untilState(environment, handle, (state) => state.phase === 'needs-person', 'needs a person');
      await handle.signal(rollbackDecisionSignal, { decision: 'abandon', decider: 'bob' });
      const error = await handle.result().then(
        () => assert.fail('the runbook should have failed'),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'RollbackAbandoned');
      assert.match(error.cause.message, /^bob abandoned the rollback: rolling back to version 0/);
      assert.equal((await handle.query(changeStateQuery)).phase, 'done');
    });
  });
});
