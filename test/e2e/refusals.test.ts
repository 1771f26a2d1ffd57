import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { FailureType } from '../../src/shared/failure-types';
import { POWER_ACTION_FAILED, powerStartOptions, type PowerInput } from '../../src/shared/power';
import { runbookProgressQuery } from '../../src/workflows';
import {
  TUTORIAL_CLUSTER,
  createE2eEnvironment,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/** Every message of the failure chain: the workflow's, the activity's, the call's. */
async function failureOf(handle: WorkflowHandle): Promise<{ text: string; types: string[] }> {
  const error = await handle.result().then(
    () => assert.fail('the runbook completed'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof WorkflowFailedError);
  const messages: string[] = [];
  const types: string[] = [];
  for (let cause: Error | undefined = error; cause; cause = cause.cause as Error | undefined) {
    messages.push(cause.message);
    const type = (cause as { type?: string }).type;
    if (type) types.push(type);
  }
  return { text: messages.join(' | '), types };
}

function startPower(environment: E2eEnvironment, scenario: Scenario, clusterId: string) {
  const input: PowerInput = { clusterId, action: 'stop', requester: 'tester', source: 'person' };
  const options = powerStartOptions(input, scenario.taskQueue);
  return environment.client.workflow.start('powerRunbook', {
    ...options,
    workflowId: `${options.workflowId}-${Date.now()}`,
  });
}

describe('refusals that no retry can fix fail fast, once, saying what to do', { concurrency: true }, () => {
  let environment: E2eEnvironment;
  before(async () => {
    environment = await createE2eEnvironment();
  });
  after(async () => {
    await environment?.close();
  });

  it('fails a power runbook on an unknown cluster after one 404, naming the fix', async () => {
    const scenario = await environment.scenario();
    await scenario.startWorker();
    const handle = await startPower(environment, scenario, 'no-such-cluster');
    const failure = await failureOf(handle);
    assert.match(failure.text, /404 NotFound/);
    assert.match(failure.text, /Fix: check the cluster id \(`imply-runbooks clusters list`\)/);
    assert.deepEqual(failure.types, [POWER_ACTION_FAILED]);
    const requests = scenario.emulator.requestLog();
    assert.deepEqual(
      requests.map((entry) => `${entry.method} ${entry.status}`),
      ['GET 404'],
      'one request, not retried',
    );
    const progress = await handle.query(runbookProgressQuery);
    assert.equal(progress.steps.find((step) => step.name === 'read')?.status, 'failed');
  });

  it('fails a power runbook on a deleted cluster after one 404', async () => {
    const scenario = await environment.scenario({ transitionMs: 0 });
    await scenario.startWorker();
    const created = await scenario.api.createCluster({
      ...TUTORIAL_CLUSTER,
      metadata: { name: uniqueClusterName('gone') },
    });
    await eventually('the cluster RUNNING', async () =>
      (await scenario.api.getCluster(created.metadata.uid)).status?.state === 'RUNNING' ? true : undefined,
    );
    await scenario.api.deleteCluster(created.metadata.uid);
    scenario.emulator.clearRequestLog();
    const failure = await failureOf(await startPower(environment, scenario, created.metadata.uid));
    assert.match(failure.text, new RegExp(`Cluster \\[${created.metadata.uid}\\] was not found`));
    assert.match(failure.text, /deleted clusters answer 404/);
    assert.equal(scenario.emulator.requestLog().length, 1, 'one request, not retried');
  });

  it('fails a lifecycle runbook whose worker holds a wrong token after one 401, naming the variables', async () => {
    const scenario = await environment.scenario();
    const wrongToken = `wrong-${Date.now()}-token`;
    const output: string[] = [];
    await scenario.startWorkerProcess({
      env: { IMPLY_TOKEN: wrongToken },
      onLine: (line) => output.push(line),
    });
    const handle = await scenario.startRunbook(lifecycleInput(uniqueClusterName('wrong-token')));
    const failure = await failureOf(handle);
    assert.match(failure.text, /401 Unauthorized/);
    assert.match(
      failure.text,
      /refused the static token \(IMPLY_TOKEN\): check that it is the right one.*set IMPLY_CLIENT_ID/,
    );
    assert.ok(failure.types.includes(FailureType.Rejected), failure.types.join());
    assert.ok(!failure.text.includes(wrongToken), 'the token is not in the failure');
    assert.ok(!output.join('\n').includes(wrongToken), 'nor in the worker output');
    const requests = scenario.emulator.requestLog();
    assert.deepEqual(
      requests.map((entry) => `${entry.method} ${entry.status}`),
      ['GET 401'],
      'one request, not retried; nothing created',
    );
  });
});
