import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkEnvironment,
  DEFAULT_ENVIRONMENT,
  environmentOfRunbook,
  environmentOfTaskQueue,
  environmentTaskQueue,
  withEnvironmentMemo,
} from '../../src/shared/environments';
import { keepAliveStartOptions } from '../../src/shared/power';
import { lifecycleStartOptions } from '../../src/shared/runbook';
import { lifecycleWorkflowId } from '../../src/shared/runbook-ids';

describe('environments and their task queues', () => {
  it('keeps the base task queue for the default environment and gives a named one its own', () => {
    assert.equal(environmentTaskQueue('imply-runbooks', DEFAULT_ENVIRONMENT), 'imply-runbooks');
    assert.equal(environmentTaskQueue('imply-runbooks', 'prod'), 'imply-runbooks-env-prod');
    assert.equal(environmentTaskQueue('team-a', 'eu-staging'), 'team-a-env-eu-staging');
  });

  it('reads the environment back from a task queue of the same base, and nothing from another', () => {
    assert.equal(environmentOfTaskQueue('imply-runbooks', 'imply-runbooks'), DEFAULT_ENVIRONMENT);
    assert.equal(environmentOfTaskQueue('imply-runbooks-env-prod', 'imply-runbooks'), 'prod');
    assert.equal(environmentOfTaskQueue('other-env-prod', 'imply-runbooks'), undefined);
    assert.equal(environmentOfTaskQueue('imply-runbooks-env-Bad_Name', 'imply-runbooks'), undefined);
  });

  it("shows a runbook's environment from its memo, else from its task queue", () => {
    assert.equal(environmentOfRunbook({ memo: { environment: 'prod' }, taskQueue: 'x' }, 'x'), 'prod');
    assert.equal(environmentOfRunbook({ taskQueue: 'q-env-staging' }, 'q'), 'staging');
    assert.equal(environmentOfRunbook({ memo: {}, taskQueue: 'elsewhere' }, 'q'), undefined);
  });

  it('accepts default and the known names, and refuses another naming every known one', () => {
    assert.equal(checkEnvironment('default', [], '--environment'), 'default');
    assert.equal(checkEnvironment(' prod ', ['prod'], '--environment'), 'prod');
    assert.throws(
      () => checkEnvironment('prdo', ['prod', 'staging'], '--environment'),
      /^Error: --environment "prdo" is not a configured environment \(known: default, prod, staging\): add it under `environments:`/,
    );
    assert.throws(() => checkEnvironment('prod', [], '--environment'), /\(only "default" is configured\)/);
  });

  it('records a named environment in the memo beside what the memo holds, and leaves default starts as they were', () => {
    const options = withEnvironmentMemo(
      keepAliveStartOptions(
        { clusterId: 'u1', clusterName: 'c', until: 'x', reason: 'r', setBy: 'a', setAt: 'y' },
        'q-env-prod',
      ),
      'prod',
    );
    assert.equal(options.memo?.environment, 'prod');
    assert.equal((options.memo?.keepAlive as { clusterId: string }).clusterId, 'u1');
    const plain = { workflowId: 'w', taskQueue: 'q' };
    assert.equal(withEnvironmentMemo(plain, 'default'), plain);
  });

  it('keeps lifecycle:<name> in the default environment and adds the environment to the id elsewhere', () => {
    assert.equal(lifecycleWorkflowId('orders'), 'lifecycle:orders');
    assert.equal(lifecycleWorkflowId('orders', 'prod'), 'lifecycle:prod:orders');
    const input = { cluster: { metadata: { name: 'orders' } }, scale: [] } as never;
    const inDefault = lifecycleStartOptions(input, 'imply-runbooks');
    assert.equal(inDefault.workflowId, 'lifecycle:orders');
    assert.equal(inDefault.memo, undefined);
    const inProd = lifecycleStartOptions(input, 'imply-runbooks-env-prod', 'prod');
    assert.equal(inProd.workflowId, 'lifecycle:prod:orders');
    assert.equal(inProd.taskQueue, 'imply-runbooks-env-prod');
    assert.deepEqual(inProd.memo, { environment: 'prod' });
  });
});
