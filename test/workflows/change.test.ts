import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveChangeUpdate, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { createTimeSkippingEnvironment } from '../helpers/workflow-environment';
import {
  changeInput,
  changePolicy,
  fakeChangeApi,
  MINUTE,
  scale,
  submit,
  withChangeWorker,
  type ChangeHandle,
} from './change-harness';

describe('change runbook: scale, upgrade, restore, delete (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  const handleOf = (clusterId: string): ChangeHandle =>
    environment.client.workflow.getHandle(`change:${clusterId}`);

  async function approve(handle: ChangeHandle, planVersion: number, decider = 'alice') {
    for (let attempt = 0; attempt < 300; attempt++) {
      const pending = await handle.query(pendingApprovalQuery);
      if (pending?.plan.version === planVersion) break;
      await environment.sleep(100);
    }
    return handle.executeUpdate(approveChangeUpdate, {
      args: [{ decider, decision: 'approve', planVersion }],
    });
  }

  it('scales after approval, verifies the new version and records the audit', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const { ack } = await submit(
        environment,
        taskQueue,
        changeInput(uid),
        scale({ 'data.tier1.replicas': 4 }),
      );
      assert.equal(ack?.disposition, 'started');
      assert.equal(ack?.runbookId, `change:${uid}`);
      assert.equal(ack?.needsApproval, true);
      const handle = handleOf(uid);
      const pending = await handle.query(pendingApprovalQuery).catch(() => undefined);
      assert.ok(pending === undefined || pending.plan.version === 1);
      await approve(handle, 1);
      const result = await handle.result();
      assert.equal(result.outcome, 'applied');
      assert.deepEqual(result.verified, { before: 0, after: 1 });
      assert.equal(result.approval?.outcome, 'approved');
      assert.match(result.plan?.diffLines.join('\n') ?? '', /spec\.data\.tier1\.replicas: 1 → 4/);
      assert.equal(fake.clusters.get(uid)?.config.spec.data?.tier1?.replicas, 4);
      assert.deepEqual(
        result.steps.map((step) => step.status),
        ['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'skipped'],
      );
    });
  });

  it('upgrades without a person when the policy auto-approves upgrades, checking the version reported', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    const input = changeInput(uid, { policy: changePolicy({ autoApprove: ['upgrade'] }) });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const upgrade = {
        kind: 'upgrade' as const,
        changes: [{ path: 'spec.version', value: '2022.01' }],
        requester: 'dave',
        source: 'cli',
      };
      const { ack } = await submit(environment, taskQueue, input, upgrade);
      assert.equal(ack?.needsApproval, false);
      const result = await handleOf(uid).result();
      assert.equal(result.outcome, 'applied');
      assert.match(
        result.autoApproved ?? '',
        /policy "test-policy" lets upgrade changes through without a person/,
      );
      assert.equal(result.approval, undefined);
      assert.equal(fake.clusters.get(uid)?.config.spec.version, '2022.01');
      assert.match(
        result.steps.find((step) => step.name === 'verify')?.detail ?? '',
        /resource version 0 → 1/,
      );
    });
  });

  it('restores a past configuration, planning current against that version', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.changeBehindTheRunbooksBack(uid, 'awsKeyPair', 'rotated');
    const input = changeInput(uid, { policy: changePolicy({ autoApprove: ['restore'] }) });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      await submit(environment, taskQueue, input, {
        kind: 'restore',
        toVersion: 0,
        requester: 'dave',
        source: 'cli',
      });
      // awsKeyPair is security-relevant: the auto-approved kind still waits for a person here.
      await approve(handleOf(uid), 1, 'bob');
      const result = await handleOf(uid).result();
      assert.equal(result.outcome, 'applied');
      assert.equal(result.autoApproved, undefined);
      assert.equal(result.approval?.decisions.at(-1)?.decider, 'bob');
      assert.deepEqual(result.plan?.diffLines, ['spec.awsKeyPair: "rotated" → (absent)']);
      assert.deepEqual(result.verified, { before: 1, after: 2 });
      const cluster = fake.clusters.get(uid)!;
      assert.deepEqual(cluster.config, cluster.history[0]);
    });
  });

  it('refuses to delete a protected cluster, and deletes another after approval, confirming the id is gone', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning([{ name: 'imply-runbooks/protected', value: 'true' }]);
    const deletion = { kind: 'delete' as const, requester: 'dave', source: 'cli' };
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const { refused } = await submit(environment, taskQueue, changeInput(uid), deletion);
      assert.match(
        refused?.message ?? '',
        /the cluster is protected \(it carries the tag imply-runbooks\/protected=true\): delete refused/,
      );
      assert.deepEqual(refused?.details, { rule: 'protected' });
      assert.equal((await handleOf(uid).result()).outcome, 'refused');
      assert.ok(!fake.calls.includes('deleteCluster'));

      fake.clusters.get(uid)!.config.spec.awsTags = [];
      const { ack } = await submit(environment, taskQueue, changeInput(uid), deletion);
      assert.equal(ack?.disposition, 'started');
      await approve(handleOf(uid), 1);
      const result = await handleOf(uid).result();
      assert.equal(result.outcome, 'applied');
      assert.match(result.steps.find((step) => step.name === 'verify')?.detail ?? '', /answers 404 by id/);
      assert.equal(fake.clusters.get(uid)?.gone, true);
    });
  });

  it('refuses a trigger outside the bounds with the rule it broke, and changes nothing', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    const policy = changePolicy({
      bounds: { 'data.tier1': { maxReplicas: 3, instanceTypes: ['t2.small', 'm5.large'] } },
    });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const tooMany = await submit(
        environment,
        taskQueue,
        changeInput(uid, { policy }),
        scale({ 'data.tier1.replicas': 12 }),
      );
      assert.equal(
        tooMany.refused?.message,
        'policy "test-policy": data.tier1.replicas 12 is above maxReplicas 3 (bounds.data.tier1.maxReplicas)',
      );
      const wrongType = await submit(
        environment,
        taskQueue,
        changeInput(uid, { policy }),
        scale({ 'data.tier1.instanceType': 'm5.24xlarge' }),
      );
      assert.match(
        wrongType.refused?.message ?? '',
        /instanceType m5\.24xlarge is not allowed: use one of t2\.small, m5\.large \(bounds\.data\.tier1\.instanceTypes\)/,
      );
      const result = await handleOf(uid).result();
      assert.equal(result.outcome, 'unchanged');
      assert.equal(result.reason, 'no change was requested');
      assert.ok(
        !fake.calls.some((call) => call.startsWith('planClusterChange') || call === 'replaceCluster'),
      );
    });
  });

  it('refuses a scale during the cooldown after the last change, saying when to try again', async () => {
    const fake = fakeChangeApi();
    const uid = await fake.createRunning();
    fake.faults.lastChange = {
      appliedAt: new Date((await environment.currentTimeMs()) - 10 * MINUTE).toISOString(),
      runbookId: `change:${uid}`,
    };
    const input = changeInput(uid, { policy: changePolicy({ cooldownMs: 30 * MINUTE }) });
    await withChangeWorker(environment, fake, async (taskQueue) => {
      const { refused } = await submit(environment, taskQueue, input, scale({ 'data.tier1.replicas': 2 }));
      assert.match(
        refused?.message ?? '',
        /policy "test-policy": cooldown 30m after a change: the last one \(change:uid-1\) was applied at .*; try again after /,
      );
      const details = refused?.details as { rule: string; retryAfterMs: number };
      assert.equal(details.rule, 'cooldown');
      assert.ok(details.retryAfterMs > 15 * MINUTE && details.retryAfterMs <= 20 * MINUTE);
      assert.equal((await handleOf(uid).result()).outcome, 'refused');
      assert.ok(!fake.calls.includes('replaceCluster'));
    });
  });
});
