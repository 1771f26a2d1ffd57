import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ApprovalPolicy } from '../../src/shared/approval';
import { approveChangeUpdate, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { createTimeSkippingEnvironment } from '../helpers/workflow-environment';
import {
  APPROVAL,
  changeInput,
  changePolicy,
  fakeChangeApi,
  scale,
  submit,
  withChangeWorker,
  type ChangeHandle,
} from './change-harness';

/**
 * A change policy that auto-approves scales, and an approval policy with a cost delta: above it a
 * person decides anyway. The fake's cluster has 1 t2.small data node; 1 → 4 adds 3 × 0.023 × 730 =
 * USD 50.37 a month at the example prices.
 */

const withCostDelta = (above: number): ApprovalPolicy => ({
  ...APPROVAL,
  costDelta: { above, groups: ['leads'], approvers: ['erin'], required: 1 },
});

describe('change runbook: an auto-approved kind above the cost delta (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  async function pendingOf(handle: ChangeHandle) {
    for (let attempt = 0; attempt < 300; attempt++) {
      const pending = await handle.query(pendingApprovalQuery).catch(() => undefined);
      if (pending) return pending;
      await environment.sleep(100);
    }
    assert.fail('no approval became pending');
  }

  it('sends the scale to the gate, where ops and the lead approve', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    const input = changeInput(uid, {
      policy: changePolicy({ autoApprove: ['scale'] }),
      approval: withCostDelta(10),
    });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const { ack } = await submit(environment, taskQueue, input, scale({ 'data.tier1.replicas': 4 }));
      assert.equal(ack?.needsApproval, true);
      assert.match(
        ack?.message ?? '',
        /waits for approval \(ops\): the change adds USD 50\.37 a month, above USD 10\.00 \(costDelta of approval policy "test"\)/,
      );
      const handle: ChangeHandle = environment.client.workflow.getHandle(`change:${uid}`);
      const pending = await pendingOf(handle);
      assert.equal(pending.costApproval?.missing, 1);
      const decide = (decider: string) =>
        handle.executeUpdate(approveChangeUpdate, {
          args: [{ decider, decision: 'approve', planVersion: 1 }],
        });
      assert.equal((await decide('alice')).state, 'pending');
      assert.equal((await decide('erin')).state, 'approved');
      const result = await handle.result();
      assert.equal(result.outcome, 'applied');
      assert.equal(result.autoApproved, undefined);
      assert.equal(fake.clusters.get(uid)?.config.spec.data?.tier1?.replicas, 4);
    });
  });

  it('lets the scale through without a person below the delta', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    const input = changeInput(uid, {
      policy: changePolicy({ autoApprove: ['scale'] }),
      approval: withCostDelta(5000),
    });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const { ack } = await submit(environment, taskQueue, input, scale({ 'data.tier1.replicas': 4 }));
      assert.equal(ack?.needsApproval, false);
      const done: ChangeHandle = environment.client.workflow.getHandle(`change:${uid}`);
      const result = await done.result();
      assert.equal(result.outcome, 'applied');
      assert.match(result.autoApproved ?? '', /lets scale changes through without a person/);
      assert.equal(result.plan?.cost?.monthlyDelta, 50.37);
      assert.match(
        result.steps.find((step) => step.name === 'plan')?.detail ?? '',
        /^plan v1 at resource version 0: spec\.data\.tier1\.replicas: 1 → 4; monthly cost USD 117\.53 → USD 167\.90 \(\+50\.37\)$/,
      );
    });
  });
});
