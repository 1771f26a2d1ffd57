import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { CloudManagerError } from '../../src/cloud-manager/errors';
import type { RequestLogEntry } from '../../src/emulator/server';
import { runbookProgressQuery } from '../../src/workflows';
import {
  createE2eEnvironment,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
} from '../helpers/e2e';

const at = (entry: RequestLogEntry) => Date.parse(entry.at);
/** The log's times are whole milliseconds, taken at arrival: allow for rounding. */
const CLOCK_GRANULARITY_MS = 5;

describe('lifecycle runbook under Cloud Manager faults (end to end)', { concurrency: true }, () => {
  let environment: E2eEnvironment;
  before(async () => {
    environment = await createE2eEnvironment();
  });
  after(async () => {
    await environment?.close();
  });

  it('creates exactly one cluster when the answer to the create is lost after its commit', async () => {
    // Dry runs never commit, so the count is spent on the real create, not on validate's dryRun POST.
    const scenario = await environment.scenario({
      faults: { dropAfterCommitNext: 1, match: { method: 'POST', pathPrefix: '/api/v1/clusters' } },
    });
    await scenario.startWorker();
    const name = uniqueClusterName('dropped-create');
    const result = await (await scenario.startRunbook(lifecycleInput(name))).result();
    assert.equal(result.finalState, 'RUNNING');

    const clusters = (await scenario.api.listClusters()).filter((cluster) => cluster.metadata.name === name);
    assert.equal(clusters.length, 1);
    assert.equal(clusters[0]?.metadata.uid, result.clusterId);
    const creates = scenario.emulator
      .requestLog()
      .filter((entry) => entry.method === 'POST' && entry.query.dryRun === 'false');
    assert.deepEqual(
      creates.map((entry) => ({ committed: entry.committed, dropped: entry.dropped })),
      [{ committed: true, dropped: true }],
    );
  });

  it('waits out Retry-After before sending a throttled request again', async () => {
    const scenario = await environment.scenario({
      faults: { throttleNext: 2, retryAfterSeconds: 2, match: { method: 'PUT' } },
    });
    await scenario.startWorker();
    const input = lifecycleInput(uniqueClusterName('throttled'), {
      scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
    });
    const result = await (await scenario.startRunbook(input)).result();
    assert.deepEqual(result.verifiedVersion, { before: 0, after: 1 });

    // The first PUTs are the plan's dryRun (200 when it passes), then the change itself (202).
    const puts = scenario.emulator.requestLog().filter((entry) => entry.method === 'PUT');
    assert.deepEqual(
      puts.map((entry) => [entry.status, entry.query.dryRun]),
      [
        [429, 'true'],
        [429, 'true'],
        [200, 'true'],
        [202, 'false'],
      ],
    );
    for (const [index, entry] of puts.entries()) {
      if (entry.status !== 429) continue;
      const next = puts[index + 1] as RequestLogEntry;
      const waitedMs = at(next) - at(entry);
      assert.ok(
        waitedMs >= 2_000 - CLOCK_GRANULARITY_MS,
        `PUT sent again ${waitedMs} ms after a 429 saying 2 s`,
      );
    }
  });

  it('retries through a burst of 503s and completes', async () => {
    const scenario = await environment.scenario({
      faults: { errorNext: 2, errorStatus: 503, match: { method: 'GET', pathPrefix: '/api/v1/clusters/' } },
    });
    await scenario.startWorker();
    const result = await (
      await scenario.startRunbook(lifecycleInput(uniqueClusterName('unavailable')))
    ).result();
    assert.equal(result.finalState, 'RUNNING');
    const log = scenario.emulator.requestLog();
    assert.equal(log.filter((entry) => entry.status === 503).length, 2);
    assert.equal(log.at(-1)?.status, 200);
    assert.equal((await scenario.api.getCluster(result.clusterId)).status?.state, 'RUNNING');
  });

  it('waits out a change another client started before it stops: no 409, one stop once it settled', async () => {
    const scenario = await environment.scenario({ transitionMs: 2_000 });
    await scenario.startWorker();
    const handle = await scenario.startRunbook(
      lifecycleInput(uniqueClusterName('busy'), { stop: { afterMs: 1_000 } }),
    );
    const progress = await eventually(
      'the runbook sleeping before its stop',
      async () => {
        const snapshot = await handle.query(runbookProgressQuery);
        return snapshot.currentStep === 'stop' ? snapshot : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    const clusterId = progress.clusterId as string;
    // Another operator scales the cluster: UPDATING for 2 s, across the moment the runbook stops it.
    await scenario.api.patchCluster(clusterId, { spec: { data: { tier1: { replicas: 3 } } } });

    const result = await handle.result();
    assert.equal(result.finalState, 'STOPPED');
    const patches = scenario.emulator.requestLog().filter((entry) => entry.method === 'PATCH');
    assert.equal(patches[0]?.status, 202, "the operator's change landed first");
    // The stop is the power runbook: it reads the cluster, sees UPDATING, and waits for it to settle
    // before it PATCHes, rather than sending a stop the API would refuse with 409.
    assert.deepEqual(
      patches.map((entry) => entry.status),
      [202, 202],
      JSON.stringify(patches),
    );
    const waitedMs = Date.parse(patches[1]!.at) - Date.parse(patches[0]!.at);
    assert.ok(
      waitedMs >= 2_000 - CLOCK_GRANULARITY_MS,
      `the stop came ${waitedMs} ms after the operator's change`,
    );
    assert.equal(patches.filter((entry) => entry.committed).length, 2, "the operator's scale and the stop");
    const cluster = await scenario.api.getCluster(clusterId);
    assert.equal(cluster.status?.state, 'STOPPED');
    assert.equal(cluster.spec.data?.tier1?.replicas, 3);
  });

  it('deletes the cluster it created when cancelled with onCancel delete', async () => {
    const scenario = await environment.scenario();
    await scenario.startWorker();
    const handle = await scenario.startRunbook(
      lifecycleInput(uniqueClusterName('cancelled'), { stop: { afterMs: 600_000 }, onCancel: 'delete' }),
    );
    const progress = await eventually('the runbook sleeping before its stop', async () => {
      const snapshot = await handle.query(runbookProgressQuery);
      return snapshot.currentStep === 'stop' ? snapshot : undefined;
    });
    const clusterId = progress.clusterId as string;
    await handle.cancel();

    const failure = await handle.result().then(
      () => assert.fail('a cancelled runbook completed'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof WorkflowFailedError);
    assert.ok(failure.cause instanceof CancelledFailure);
    await assert.rejects(
      scenario.api.getCluster(clusterId),
      (error: unknown) => error instanceof CloudManagerError && error.status === 404,
    );
    await eventually('the cluster listed as DELETED', async () => {
      const clusters = await scenario.api.listClusters();
      return clusters.find((cluster) => cluster.metadata.uid === clusterId)?.status?.state === 'DELETED'
        ? true
        : undefined;
    });
    const final = await handle.query(runbookProgressQuery);
    assert.equal(final.outcome, 'cancelled');
    assert.equal(final.steps.find((step) => step.name === 'stop')?.status, 'cancelled');
    assert.equal(
      scenario.emulator.requestLog().filter((entry) => entry.method === 'DELETE' && entry.committed).length,
      1,
    );
  });
});
