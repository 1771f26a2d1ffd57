import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import {
  CloudManagerRejected,
  CloudManagerServerError,
  CloudManagerThrottled,
  CloudManagerUnavailable,
  ClusterBusy,
} from '../../src/cloud-manager/errors';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import type { RunningEmulator } from '../../src/emulator/server';
import { call, finishTransition, startTestEmulator, TOKEN, VIEW_ONLY_TOKEN } from './helpers';
import { readTutorial, substitute, TUTORIAL_UID, type TutorialStep } from './tutorial';

/**
 * The whole tutorial through CloudManagerClient against the emulator in its default mode, each
 * documented output checked. The default echoes `spec.desiredState` as the API reference's sample
 * does, so each output is the tutorial's plus that one field (tutorial-curl.test.ts replays the
 * trimmed outputs byte for byte with --tutorial-outputs).
 */

const steps = new Map<number, TutorialStep>(readTutorial().map((step) => [step.number, step]));

describe('the tutorial through CloudManagerClient against the emulator', () => {
  let emulator: RunningEmulator;
  let client: CloudManagerClient;
  let uid = TUTORIAL_UID;
  const values = () => ({
    baseUrl: emulator.url,
    uid,
    awsRole: 'imply-tutorial-role',
    deepStoragePath: 's3://imply-tutorial-bucket/druid',
  });

  /** The JSON a step's curl command sends with --data-raw. */
  function tutorialBody(number: number): ClusterRequest {
    const command = steps.get(number)!.commands[0]!;
    return JSON.parse(substitute(/--data-raw '([^']*)'/.exec(command)![1]!, values())) as ClusterRequest;
  }
  /** The documented output, with the `spec.desiredState` the API reference shows. */
  function documented(number: number, desiredState = 'STARTED'): unknown {
    const output = JSON.parse(substitute(steps.get(number)!.outputs[0]!, values()));
    return { ...output, spec: { ...output.spec, desiredState } };
  }
  function clientWith(token: string): CloudManagerClient {
    return new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(token) });
  }
  async function lastStatus(): Promise<number> {
    return emulator.requestLog().at(-1)!.status;
  }

  before(async () => {
    emulator = await startTestEmulator({ transitionMs: 600_000 });
    client = clientWith(TOKEN);
  });
  after(async () => {
    await emulator.close();
  });

  it('Step 2, dry run: validates and returns the documented cluster, storing nothing', async () => {
    const cluster = await client.createCluster(tutorialBody(2), { dryRun: true });
    uid = cluster.metadata.uid;
    assert.deepEqual(cluster, documented(2));
    assert.deepEqual(await client.listClusters(), []);
  });

  it('Step 2: creates the cluster with the documented output', async () => {
    const cluster = await client.createCluster(tutorialBody(2));
    uid = cluster.metadata.uid;
    assert.deepEqual(cluster, documented(2));
    assert.equal(await lastStatus(), 201);
    assert.equal((await client.getCluster(uid)).status?.state, 'CREATING');
    await finishTransition(emulator, uid);
  });

  it('Step 3: scales up with PUT and the cluster is UPDATING', async () => {
    const cluster = await client.replaceCluster(uid, tutorialBody(3), { force: true });
    assert.deepEqual(cluster, documented(3));
    assert.equal(await lastStatus(), 202);
    assert.equal((await client.getCluster(uid)).status?.state, 'UPDATING');
    await assert.rejects(client.replaceCluster(uid, tutorialBody(3)), (error) => {
      assert.ok(error instanceof ClusterBusy);
      assert.equal(error.code, 'StateConflict');
      assert.equal(error.retryable, true);
      return true;
    });
    await finishTransition(emulator, uid);
  });

  it('Step 4: the resource version is 1', async () => {
    const cluster = await client.getCluster(uid);
    assert.deepEqual(cluster.status, { state: 'RUNNING', resourceVersion: 1, desiredState: 'STARTED' });
  });

  it('Step 5: version 0 is the configuration the cluster was created with; an unknown one is 404', async () => {
    assert.deepEqual(await client.getClusterVersion(uid, 0), documented(2));
    assert.deepEqual(await client.getClusterVersion(uid, 0), documented(5));
    await assert.rejects(client.getClusterVersion(uid, 9), (error) => {
      assert.ok(error instanceof CloudManagerRejected);
      assert.equal(error.status, 404);
      assert.match(error.message, new RegExp(`Cluster \\[${uid}\\] resource version \\[9\\] was not found`));
      return true;
    });
  });

  it('Step 6: stops the cluster with a merge patch, with the documented output', async () => {
    const cluster = await client.patchCluster(uid, { spec: { desiredState: 'STOPPED' } });
    assert.deepEqual(cluster, documented(6, 'STOPPED'));
    assert.equal((await client.getCluster(uid)).status?.state, 'STOPPING');
    const again = await client.patchCluster(uid, { spec: { desiredState: 'STOPPED' } });
    assert.deepEqual(again, documented(6, 'STOPPED'));
    assert.equal((await client.getCluster(uid)).status?.resourceVersion, 2, 'asking again adds no version');
    await finishTransition(emulator, uid);
    assert.equal((await client.getCluster(uid)).status?.state, 'STOPPED');
  });

  it('Step 7: deletes with 202; the id then answers 404 and the list still shows the cluster', async () => {
    await client.deleteCluster(uid);
    assert.equal(await lastStatus(), 202);
    await assert.rejects(client.getCluster(uid), (error) => {
      assert.ok(error instanceof CloudManagerRejected);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'NotFound');
      return true;
    });
    await finishTransition(emulator, uid);
    const listed = await client.listClusters();
    assert.deepEqual(
      listed.map((cluster) => [cluster.metadata.uid, cluster.status?.state]),
      [[uid, 'DELETED']],
    );
    assert.equal(await client.findClusterByName('clusters-example-scaled'), undefined);
  });

  it('refuses an invalid body in the same words on the client and in the emulator', async () => {
    const invalid = {
      ...tutorialBody(2),
      spec: { ...tutorialBody(2).spec, deepStorage: { path: 'gs://x/y' } },
    };
    const fromClient = await client.createCluster(invalid).then(
      () => assert.fail('the client accepted an invalid body'),
      (error: CloudManagerRejected) => error,
    );
    const fromEmulator = await call(emulator, 'POST', '/api/v1/clusters', { body: invalid });
    assert.equal(fromEmulator.status, 400);
    assert.deepEqual(fromClient.details, fromEmulator.json.error.details);
    assert.equal(fromClient.code, fromEmulator.json.error.code);
  });

  it('maps 401 and 403 to non-retryable rejections that never show the token', async () => {
    for (const [token, status] of [
      ['not-a-token-of-this-emulator', 401],
      [VIEW_ONLY_TOKEN, 403],
    ] as const) {
      await assert.rejects(clientWith(token).listClusters(), (error) => {
        assert.ok(error instanceof CloudManagerRejected);
        assert.equal(error.status, status);
        assert.equal(error.code, 'Unauthorized');
        assert.equal(error.retryable, false);
        assert.ok(!error.message.includes(token));
        return true;
      });
    }
  });

  it('classifies injected throttling, server errors and commit-then-drop as retryable', async () => {
    emulator.setFaults({ throttleNext: 1, retryAfterSeconds: 2 });
    await assert.rejects(client.listClusters(), (error) => {
      assert.ok(error instanceof CloudManagerThrottled);
      assert.equal(error.retryAfterMs, 2000);
      return true;
    });
    emulator.setFaults({ errorNext: 1, errorStatus: 503 });
    await assert.rejects(client.listClusters(), CloudManagerServerError);
    emulator.setFaults({ dropAfterCommitNext: 1 });
    await assert.rejects(client.createCluster(tutorialBody(2)), CloudManagerUnavailable);
    const names = (await client.listClusters()).map((cluster) => cluster.metadata.name);
    assert.ok(names.includes('clusters-example'), 'the dropped create was committed');
  });
});
