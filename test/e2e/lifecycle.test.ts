import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { CloudManagerError } from '../../src/cloud-manager/errors';
import type { RequestLogEntry } from '../../src/emulator/server';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { runbookProgressQuery } from '../../src/workflows';
import { readTutorial, substitute } from '../emulator/tutorial';
import {
  createE2eEnvironment,
  eventually,
  FAST_WAIT,
  lifecycleInput,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
} from '../helpers/e2e';

const TUTORIAL_SCALE = [
  { path: 'spec.data.tier1.replicas', value: 2 },
  { path: 'metadata.name', value: 'clusters-example-scaled' },
];

/**
 * The tutorial's documented output of one step, with our role, bucket and the created uid, and the
 * `spec.desiredState` the emulator's default mode echoes as the API reference's sample does.
 */
function tutorialOutput(step: number, uid: string): unknown {
  const output = readTutorial().find((candidate) => candidate.number === step)?.outputs[0];
  assert.ok(output, `the tutorial has an output for step ${step}`);
  const values = {
    baseUrl: '',
    uid,
    awsRole: TUTORIAL_CLUSTER.spec.awsInstanceRole as string,
    deepStoragePath: TUTORIAL_CLUSTER.spec.deepStorage.path,
  };
  const documented = JSON.parse(substitute(output, values));
  return { ...documented, spec: { ...documented.spec, desiredState: 'STARTED' } };
}

const realCreates = (log: RequestLogEntry[]) =>
  log.filter((entry) => entry.method === 'POST' && entry.query.dryRun !== 'true');
const committed = (log: RequestLogEntry[], method: string) =>
  log.filter((entry) => entry.method === method && entry.committed);

async function statusOf(error: Promise<unknown>): Promise<number | undefined> {
  try {
    await error;
    return undefined;
  } catch (caught) {
    if (caught instanceof CloudManagerError) return caught.status;
    throw caught;
  }
}

describe(
  'lifecycle runbook end to end (dev server, emulator over HTTP, real worker)',
  { concurrency: true },
  () => {
    let environment: E2eEnvironment;
    before(async () => {
      environment = await createE2eEnvironment();
    });
    after(async () => {
      await environment?.close();
    });

    it('runs the tutorial: create, scale 1 → 2 with the rename, verify, stop, delete', async () => {
      const scenario = await environment.scenario({ transitionMs: 200 });
      await scenario.startWorker();
      const handle = await scenario.startRunbook({
        cluster: TUTORIAL_CLUSTER,
        scale: TUTORIAL_SCALE,
        force: true,
        // Long enough to read the scaled cluster before the stop changes it again.
        stop: { afterMs: 3_000 },
        delete: { afterMs: 0 },
        wait: FAST_WAIT,
      });

      // While the runbook sleeps before the stop, the cluster is as the tutorial's steps 3 to 5 show.
      const sleeping = await eventually('the runbook at its stop step', async () => {
        const progress = await handle.query(runbookProgressQuery);
        return progress.currentStep === 'stop' ? progress : undefined;
      });
      const uid = sleeping.clusterId as string;
      const scaled = await scenario.api.getCluster(uid);
      assert.equal(scaled.status?.resourceVersion, 1);
      assert.equal(scaled.status?.state, 'RUNNING');
      // The tutorial's step 4 output, except that the scale keeps what the API filled in at create
      // (`deepStorage.encrypt`): the runbook PUTs the live configuration with the scale changes.
      const expected = tutorialOutput(3, uid) as { spec: { deepStorage: Record<string, unknown> } };
      expected.spec.deepStorage.encrypt = true;
      assert.deepEqual({ metadata: scaled.metadata, spec: scaled.spec }, expected);
      assert.deepEqual(await scenario.api.getClusterVersion(uid, 0), tutorialOutput(5, uid));

      const result = await handle.result();
      assert.equal(result.outcome, 'completed');
      assert.equal(result.clusterId, uid);
      assert.equal(result.clusterName, 'clusters-example-scaled');
      assert.deepEqual(result.verifiedVersion, { before: 0, after: 1 });
      assert.equal(result.finalState, 'DELETED');
      assert.deepEqual(
        result.steps.map((step) => [step.name, step.status]),
        ['validate', 'create', 'wait-running', 'scale', 'stop', 'delete'].map((name) => [name, 'completed']),
      );
      // The scale ran as the cluster's change runbook: plan, policy, approve (auto), apply, wait, verify.
      assert.equal(result.scaleChange?.runbookId, `change:${uid}`);
      assert.equal(result.scaleChange?.outcome, 'applied');

      assert.equal(await statusOf(scenario.api.getCluster(uid)), 404);
      const listed = await eventually('the deleted cluster listed as DELETED', async () => {
        const cluster = (await scenario.api.listClusters()).find(
          (candidate) => candidate.metadata.uid === uid,
        );
        return cluster?.status?.state === 'DELETED' ? cluster : undefined;
      });
      assert.equal(listed.metadata.name, 'clusters-example-scaled');

      const progress = await handle.query(runbookProgressQuery);
      assert.equal(progress.outcome, 'completed');
      assert.equal(progress.clusterState, 'DELETED');
      assert.equal(progress.clusterName, 'clusters-example-scaled');
      assert.equal(progress.currentStep, undefined);

      const runId = handle.firstExecutionRunId;
      const found = await eventually(
        'the runbook in visibility, by cluster name, at its last step',
        async () => {
          for await (const info of environment.client.workflow.list({
            query: `ImplyClusterName = 'clusters-example-scaled'`,
          })) {
            if (
              info.runId === runId &&
              info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.step) === 'completed'
            ) {
              return info;
            }
          }
          return undefined;
        },
      );
      assert.equal(found.workflowId, 'lifecycle:clusters-example');
      assert.equal(found.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterId), uid);
      assert.equal(found.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind), 'lifecycle');
    });

    it('fails a bad spec in validate, naming the field, and creates nothing', async () => {
      const scenario = await environment.scenario();
      await scenario.startWorker();
      const cases = [
        {
          field: 'spec.data.tier1.replicas',
          spec: { data: { tier1: { replicas: 0, instanceType: 't2.small' } } },
        },
        { field: 'spec.deepStorage.path', spec: { deepStorage: { path: 'gs://not-s3/prefix' } } },
      ];
      for (const { field, spec } of cases) {
        const input = lifecycleInput(uniqueClusterName('bad-spec'));
        input.cluster = { ...input.cluster, spec: { ...input.cluster.spec, ...spec } };
        const handle = await scenario.startRunbook(input);
        const failure = await handle.result().then(
          () => assert.fail('the runbook completed with a bad spec'),
          (error: unknown) => error,
        );
        assert.ok(failure instanceof WorkflowFailedError);
        const messages = [failure.cause?.message, (failure.cause?.cause as Error | undefined)?.message].join(
          ' | ',
        );
        assert.match(messages, new RegExp(field.replaceAll('.', '\\.')), messages);
        const progress = await handle.query(runbookProgressQuery);
        assert.equal(progress.outcome, 'failed');
        assert.equal(progress.steps.find((step) => step.name === 'validate')?.status, 'failed');
        assert.equal(progress.steps.find((step) => step.name === 'create')?.status, 'pending');
      }
      assert.deepEqual(realCreates(scenario.emulator.requestLog()), []);
      assert.deepEqual(await scenario.api.listClusters(), []);
    });

    it('completes after its worker process is killed mid-wait and another one starts', async () => {
      const scenario = await environment.scenario({ transitionMs: 2_000 });
      const firstWorker = await scenario.startWorkerProcess();
      const handle = await scenario.startRunbook(
        lifecycleInput(uniqueClusterName('killed-worker'), {
          scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
          stop: { afterMs: 0 },
          delete: {},
          wait: { pollInitialMs: 200, pollMaxMs: 400 },
        }),
      );
      // Killed while its scale (the child change runbook) waits on the transition after its PUT, or
      // later: create and PUT must not run again.
      await eventually(
        'the scale waiting for the cluster to settle',
        async () => {
          const progress = await handle.query(runbookProgressQuery);
          if (['stop', 'delete'].includes(progress.currentStep ?? '')) return true;
          if (progress.currentStep !== 'scale' || !progress.child) return undefined;
          const change = await environment.client.workflow
            .getHandle(progress.child)
            .query(runbookProgressQuery);
          return ['wait', 'verify'].includes(change.currentStep ?? '') ? true : undefined;
        },
        { timeoutMs: 30_000 },
      );
      await firstWorker.kill();
      assert.equal((await firstWorker.process.exited).signal, 'SIGKILL');

      await scenario.startWorkerProcess();
      const result = await handle.result();
      assert.equal(result.finalState, 'DELETED');
      assert.deepEqual(result.verifiedVersion, { before: 0, after: 1 });
      const log = scenario.emulator.requestLog();
      assert.equal(realCreates(log).filter((entry) => entry.committed).length, 1);
      assert.equal(realCreates(log).length, 1, 'no second create was attempted');
      assert.equal(committed(log, 'PUT').length, 1);
      const history = await handle.fetchHistory();
      const identities = new Set(
        (history.events ?? [])
          .map((event) => event.workflowTaskCompletedEventAttributes?.identity)
          .filter(Boolean),
      );
      assert.equal(identities.size, 2, 'two worker processes ran the runbook, one after the other');
    });

    it('refuses a second runbook for a cluster name while one runs, and allows one after it ended', async () => {
      const scenario = await environment.scenario();
      // No worker: the first runbook stays open, which is all the refusal needs.
      const input = lifecycleInput(uniqueClusterName('one-per-name'));
      const first = await scenario.startRunbook(input);
      await assert.rejects(scenario.startRunbook(input), WorkflowExecutionAlreadyStartedError);
      await first.terminate('test: end the first runbook');
      const second = await scenario.startRunbook(input);
      assert.equal(second.workflowId, first.workflowId);
      assert.notEqual(second.firstExecutionRunId, first.firstExecutionRunId);
      const firstRun = environment.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId);
      assert.equal((await firstRun.describe()).status.name, 'TERMINATED');
    });
  },
);
