import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type { LifecycleInput } from '../../src/shared/runbook';
import { lifecycleRunbook, runbookProgressQuery } from '../../src/workflows';
import { fakeClusterApi, type FakeOptions } from '../helpers/fake-cluster-api';
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
    const fake = fakeClusterApi(fakeOptions);
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

  it('runs all eight steps, sleeping 8h before the stop and 1d before the delete', async () => {
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
        ['wait-scaled', 'completed'],
        ['verify', 'completed'],
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
      ['scale', 'wait-scaled', 'verify', 'stop', 'delete'],
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
    const fake = fakeClusterApi();
    await withWorker(environment, fake.activities, async (taskQueue) => {
      const handle = await environment.client.workflow.start(lifecycleRunbook, {
        taskQueue,
        workflowId: `lifecycle-cancel-${Math.random()}`,
        args: [tutorialInput({ stop: { afterMs: 8 * HOUR }, onCancel: 'delete' })],
      });
      let progress = await handle.query(runbookProgressQuery);
      for (let attempt = 0; progress.currentStep !== 'stop' && attempt < 200; attempt++) {
        await environment.sleep(1000);
        progress = await handle.query(runbookProgressQuery);
      }
      assert.equal(progress.currentStep, 'stop');
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
});
