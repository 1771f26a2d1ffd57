import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { findFreePort } from '../../src/temporal/ports';
import {
  createE2eEnvironment,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
} from '../helpers/e2e';

const TaskQueueType = temporal.api.enums.v1.TaskQueueType;

/**
 * The worker as deployed: a child process with IMPLY_RUNBOOKS_METRICS_ADDRESS, _HEALTH_ADDRESS and
 * JSON logs, running a real runbook against the emulator on the tests' Temporal dev server.
 */

/** The sum of the Prometheus samples of `name` whose labels include all of `labels` (0 when none). */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length, line.lastIndexOf('}') + 1);
    const matches = Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return response.text();
}

describe('worker observability', () => {
  let environment: E2eEnvironment;

  before(async () => {
    environment = await createE2eEnvironment();
  });

  after(async () => {
    await environment.close();
  });

  it('serves runbook and API metrics, a health check, and JSON logs with ids and no secrets', async () => {
    // Two 429s on the first cluster reads: the runbook retries through them and they are counted.
    const scenario = await environment.scenario({
      faults: { throttleNext: 2, retryAfterSeconds: 0, match: { method: 'GET' } },
    });
    const metricsAddress = `127.0.0.1:${await findFreePort()}`;
    const healthAddress = `127.0.0.1:${await findFreePort()}`;
    const lines: string[] = [];
    await scenario.startWorkerProcess({
      env: {
        IMPLY_RUNBOOKS_METRICS_ADDRESS: metricsAddress,
        IMPLY_RUNBOOKS_HEALTH_ADDRESS: healthAddress,
        IMPLY_RUNBOOKS_LOG_FORMAT: 'json',
        IMPLY_RUNBOOKS_LOG_LEVEL: 'DEBUG',
      },
      onLine: (line) => lines.push(line),
    });
    assert.equal(JSON.parse(await text(`http://${healthAddress}/healthz`)).status, 'ok');

    const name = uniqueClusterName('observed');
    const handle = await scenario.startRunbook(lifecycleInput(name));
    const result = await handle.result();

    const metrics = await eventually('the runbook counted on /metrics', async () => {
      const body = await text(`http://${metricsAddress}/metrics`);
      return sample(body, 'imply_runbooks_completed_total', { kind: 'lifecycle' }) > 0 ? body : undefined;
    });
    assert.equal(sample(metrics, 'imply_runbooks_started_total', { kind: 'lifecycle' }), 1);
    assert.equal(
      sample(metrics, 'imply_runbooks_completed_total', { kind: 'lifecycle', outcome: 'completed' }),
      1,
    );
    // The dryRun validation answers 200, the create 201.
    const requests = (labels: Record<string, string>) =>
      sample(metrics, 'imply_runbooks_cloud_manager_requests_total', labels);
    assert.equal(requests({ method: 'POST', endpoint: '/clusters', status: '200' }), 1);
    assert.equal(requests({ method: 'POST', endpoint: '/clusters', status: '201' }), 1);
    assert.equal(requests({ method: 'GET', endpoint: '/clusters', status: '429' }), 2);
    const reads = { method: 'GET', endpoint: '/clusters/{id}', status: '200' };
    assert.ok(requests(reads) >= 1);
    assert.equal(sample(metrics, 'imply_runbooks_cloud_manager_throttled_total', { method: 'GET' }), 2);
    assert.ok(sample(metrics, 'temporal_workflow_completed', { workflow_type: 'lifecycleRunbook' }) >= 1);

    const records = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    assert.ok(records.length > 0, 'the worker wrote JSON log lines');
    const withIds = records.filter(
      (record) => record.runbookId === handle.workflowId && record.clusterId === result.clusterId,
    );
    assert.ok(
      withIds.some((record) => record.msg === 'Activity completed'),
      'activity lines carry both ids',
    );
    assert.ok(
      records.some((record) => record.msg === 'Cloud Manager API call' && record.status === '429'),
      'throttled calls are logged',
    );
    const output = lines.join('\n');
    // The helper's tokens are `e2e_` and 32 hex digits; the worker holds one in IMPLY_TOKEN.
    assert.doesNotMatch(output, /e2e_[0-9a-f]{32}/, 'the token is not in the logs');
    assert.doesNotMatch(output, /Bearer [A-Za-z0-9_]/, 'no bearer header in the logs');
  });

  it('shares a batch of runbooks between two worker processes', async () => {
    const scenario = await environment.scenario({ transitionMs: 100 });
    const workers = [await scenario.startWorkerProcess(), await scenario.startWorkerProcess()];
    // "Worker ready" comes just before polling starts: wait until the server sees both pollers.
    for (const taskQueueType of [
      TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    ]) {
      await eventually(`both workers polling (${TaskQueueType[taskQueueType]})`, async () => {
        const { pollers } = await environment.client.workflowService.describeTaskQueue({
          namespace: environment.namespace,
          taskQueue: { name: scenario.taskQueue },
          taskQueueType,
        });
        const polling = workers.every(({ process }) =>
          (pollers ?? []).some((poller) => poller.identity?.startsWith(`${process.pid}@`)),
        );
        return polling ? true : undefined;
      });
    }
    const handles = await Promise.all(
      Array.from({ length: 6 }, () => scenario.startRunbook(lifecycleInput(uniqueClusterName('shared')))),
    );
    await Promise.all(handles.map((handle) => handle.result()));
    const identities = new Set<string>();
    for (const handle of handles) {
      const history = await handle.fetchHistory();
      for (const event of history.events ?? []) {
        const identity =
          event.activityTaskStartedEventAttributes?.identity ??
          event.workflowTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity);
      }
    }
    for (const worker of workers) {
      const pid = worker.process.pid;
      assert.ok(
        [...identities].some((identity) => identity.startsWith(`${pid}@`)),
        `worker ${pid} took part (identities seen: ${[...identities].join(', ')})`,
      );
    }
  });
});
