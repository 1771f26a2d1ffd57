import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DecisionAck } from '../../src/shared/approval';
import { approveChangeUpdate, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { MAX_PLAN_VERSIONS } from '../../src/workflows/change';
import { createTimeSkippingEnvironment } from '../helpers/workflow-environment';
import {
  changeInput,
  changePolicy,
  fakeChangeApi,
  scale,
  submit,
  untilState,
  withChangeWorker,
  type ChangeHandle,
} from './change-harness';

describe('change runbook: one change per cluster at a time (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  async function untilPlan(handle: ChangeHandle, version: number) {
    for (let attempt = 0; attempt < 300; attempt++) {
      const pending = await handle.query(pendingApprovalQuery);
      if (pending?.plan.version === version) return pending;
      await environment.sleep(100);
    }
    assert.fail(`plan v${version} never waited for approval`);
  }

  const decide = (
    handle: ChangeHandle,
    planVersion: number,
  ): Promise<{ ack?: DecisionAck; refused?: string }> =>
    handle
      .executeUpdate(approveChangeUpdate, { args: [{ decider: 'alice', decision: 'approve', planVersion }] })
      .then(
        (ack) => ({ ack }),
        (error: Error) => ({ refused: (error.cause as Error).message }),
      );

  it('goes back to the request that was planned, not one merged meanwhile, when a merge is refused', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    let release: () => void = () => {};
    fake.faults.planInFlight = new Promise<void>((resolve) => (release = resolve));
    fake.faults.refusePlan = (request) =>
      request.changes?.some((change) => change.value === 7)
        ? 'data.tier1.replicas 7 is refused by the API'
        : undefined;
    await withChangeWorker(environment, fake, async (taskQueue) => {
      try {
        const handle: ChangeHandle = environment.client.workflow.getHandle(`change:${uid}`);
        const first = submit(environment, taskQueue, changeInput(uid), scale({ 'data.tier1.replicas': 3 }));
        await untilState(environment, handle, (state) => state.phase === 'planning', 'plan v1 in flight');
        // Merged while plan v1 is made: not accepted until a plan of its own passes.
        const bad = submit(
          environment,
          taskQueue,
          changeInput(uid),
          scale({ 'data.tier1.replicas': 7 }, 'erin'),
        );
        await untilState(environment, handle, (state) => (state.current?.length ?? 0) === 2, 'the merge in');
        release();
        assert.equal((await first).ack?.disposition, 'started');
        const refused = await bad;
        assert.match(refused.refused?.message ?? '', /data\.tier1\.replicas 7 is refused by the API/);
        const pending = await untilPlan(handle, 3);
        assert.deepEqual(pending.plan.diffLines, ['spec.data.tier1.replicas: 1 → 3']);
        const later = await submit(
          environment,
          taskQueue,
          changeInput(uid),
          scale({ 'data.tier1.replicas': 4 }, 'erin'),
        );
        assert.deepEqual([later.ack?.disposition, later.ack?.planVersion], ['merged', 4]);
        assert.deepEqual((await untilPlan(handle, 4)).plan.diffLines, ['spec.data.tier1.replicas: 1 → 4']);
        const { historyLength } = await handle.describe();
        assert.ok(historyLength < 200, `history grew to ${historyLength} events`);
      } finally {
        // A failed assertion must not leave the plan activity waiting forever (the worker would never stop).
        release();
      }
    });
  });

  it('ends refused past its re-plan budget instead of growing its history without end', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.driftOnEveryRead = true;
    const input = changeInput(uid, { policy: changePolicy({ autoApprove: ['scale'] }) });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      await submit(environment, taskQueue, input, scale({ 'data.tier1.replicas': 2 }));
      const handle: ChangeHandle = environment.client.workflow.getHandle(`change:${uid}`);
      const result = await handle.result();
      assert.equal(result.outcome, 'refused');
      assert.match(result.reason ?? '', new RegExp(`re-planned ${MAX_PLAN_VERSIONS} times`));
      assert.equal(fake.calls.filter((call) => call === 'planClusterChange:scale').length, MAX_PLAN_VERSIONS);
      assert.ok(!fake.calls.some((call) => call.startsWith('replaceCluster')), 'nothing was applied');
    });
  });

  it('merges a second trigger into the plan waiting for approval, as plan v2, and applies both', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const first = await submit(
        environment,
        taskQueue,
        changeInput(uid),
        scale({ 'data.tier1.replicas': 2 }),
      );
      assert.equal(first.ack?.disposition, 'started');
      const handle: ChangeHandle = environment.client.workflow.getHandle(`change:${uid}`);
      await untilPlan(handle, 1);
      const alert = {
        ...scale({ 'query.replicas': 4 }, 'alertmanager'),
        source: 'alertmanager',
        reason: 'query load',
      };
      const second = await submit(environment, taskQueue, changeInput(uid), alert);
      assert.deepEqual(
        {
          disposition: second.ack?.disposition,
          planVersion: second.ack?.planVersion,
          runbookId: second.ack?.runbookId,
        },
        { disposition: 'merged', planVersion: 2, runbookId: `change:${uid}` },
      );
      const repeated = await submit(environment, taskQueue, changeInput(uid), alert);
      assert.equal(repeated.ack?.disposition, 'merged');
      assert.match(
        repeated.ack?.message ?? '',
        /the pending plan already holds scale spec\.query\.replicas=4/,
      );
      const pending = await untilPlan(handle, 2);
      assert.deepEqual([...pending.plan.diffLines].sort(), [
        'spec.data.tier1.replicas: 1 → 2',
        'spec.query.replicas: 3 → 4',
      ]);
      const stale = await decide(handle, 1);
      assert.match(stale.refused ?? '', /plan version 1 was superseded by version 2/);
      assert.equal((await decide(handle, 2)).ack?.state, 'approved');
      const result = await handle.result();
      assert.equal(result.outcome, 'applied');
      assert.deepEqual(
        result.requests.map((request) => request.requester),
        ['dave', 'alertmanager'],
      );
      assert.deepEqual(
        result.approval?.plans.map((plan) => plan.version),
        [1, 2],
      );
      const spec = fake.clusters.get(uid)!.config.spec;
      assert.deepEqual([spec.data?.tier1?.replicas, spec.query?.replicas], [2, 4]);
      assert.equal(fake.calls.filter((call) => call === 'replaceCluster').length, 1);
    });
  });

  it('refuses the approval of someone whose trigger merged into the plan (four eyes for every requester)', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    await withChangeWorker(environment, fake, async (taskQueue) => {
      await submit(environment, taskQueue, changeInput(uid), scale({ 'data.tier1.replicas': 2 }));
      const handle: ChangeHandle = environment.client.workflow.getHandle(`change:${uid}`);
      await untilPlan(handle, 1);
      const merged = await submit(
        environment,
        taskQueue,
        changeInput(uid),
        scale({ 'query.replicas': 4 }, 'bob'),
      );
      assert.equal(merged.ack?.disposition, 'merged');
      const pending = await untilPlan(handle, 2);
      assert.deepEqual(pending.plan.coRequesters, ['bob']);
      const byBob = await handle
        .executeUpdate(approveChangeUpdate, {
          args: [{ decider: 'bob', decision: 'approve', planVersion: 2 }],
        })
        .then(
          () => undefined,
          (error: Error) => (error.cause as Error).message,
        );
      assert.match(byBob ?? '', /bob requested this change and cannot approve it \(four eyes\)/);
      assert.equal((await decide(handle, 2)).ack?.state, 'approved');
      assert.equal((await handle.result()).outcome, 'applied');
    });
  });

  it('queues a trigger that comes once the change is past approval, and runs it next under the same id', async () => {
    const fake = fakeChangeApi({ transitionPolls: 3 });
    const uid = await fake.createRunning();
    const input = changeInput(uid, { policy: changePolicy({ autoApprove: ['scale'] }) });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      await submit(environment, taskQueue, input, scale({ 'data.tier1.replicas': 2 }));
      const handle: ChangeHandle = environment.client.workflow.getHandle(`change:${uid}`);
      await untilState(environment, handle, (state) => state.phase === 'applying', 'applying');
      const late = await submit(environment, taskQueue, input, scale({ 'data.tier1.replicas': 3 }, 'erin'));
      assert.equal(late.ack?.disposition, 'queued');
      assert.match(
        late.ack?.message ?? '',
        /queued \(position 1\) behind scale spec\.data\.tier1\.replicas=2, which is past approval/,
      );
      const result = await handle.result();
      assert.equal(result.outcome, 'applied');
      assert.deepEqual(
        result.requests.map((request) => request.requester),
        ['erin'],
      );
      assert.deepEqual(
        result.earlier?.map((earlier) => [earlier.outcome, earlier.requests[0]?.requester]),
        [['applied', 'dave']],
      );
      assert.deepEqual(
        fake.clusters.get(uid)!.history.map((entry) => entry.spec.data?.tier1?.replicas),
        [1, 2, 3],
      );
    });
  });
});
