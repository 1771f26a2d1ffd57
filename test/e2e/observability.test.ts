import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { LOCAL_DEFAULTS, parseConfigText, resolveApprovalPolicy } from '../../src/config';
import type { ChangeResult } from '../../src/shared/change';
import type { FleetInput, FleetSummary } from '../../src/shared/power';
import { findFreePort } from '../../src/dev/ports';
import { submitChange } from '../../src/triggers/submit-change';
import { approveChangeUpdate, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import type { fleetRunbook } from '../../src/workflows/fleet';
import {
  createE2eEnvironment,
  eventually,
  FAST_WAIT,
  approvalGateOf,
  lifecycleInput,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
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

    // The SDK counts the completion once the server took it, a moment after the runbook's own counter.
    const metrics = await eventually('the runbook counted on /metrics', async () => {
      const body = await text(`http://${metricsAddress}/metrics`);
      const counted =
        sample(body, 'imply_runbooks_completed_total', { kind: 'lifecycle' }) > 0 &&
        sample(body, 'temporal_workflow_completed', { workflow_type: 'lifecycleRunbook' }) > 0;
      return counted ? body : undefined;
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

    const parsed = () => lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    // The worker's output arrives through a pipe: on a loaded machine, a little after the result.
    const records = await eventually('activity lines carrying both ids', () => {
      const all = parsed();
      const withIds = all.filter(
        (record) => record.runbookId === handle.workflowId && record.clusterId === result.clusterId,
      );
      return withIds.some((record) => record.msg === 'Activity completed') ? all : undefined;
    });
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

describe('runbook outcome metrics and approval gauges (worker process, dev server, emulator)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let metricsUrl: string;

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    const metricsAddress = `127.0.0.1:${await findFreePort()}`;
    metricsUrl = `http://${metricsAddress}/metrics`;
    await scenario.startWorkerProcess({
      env: {
        IMPLY_RUNBOOKS_METRICS_ADDRESS: metricsAddress,
        IMPLY_RUNBOOKS_APPROVAL_GAUGE_INTERVAL: '200ms',
      },
    });
  });

  after(async () => {
    await environment?.close();
  });

  /** The gauge's value for this worker's task queue, once the metrics page shows it. */
  const gauge = (body: string, name: string, kind: string) =>
    sample(body, name, { kind, taskQueue: scenario.taskQueue });

  async function running(name: string, tags: Record<string, string> = {}): Promise<string> {
    const awsTags = Object.entries(tags).map(([tag, value]) => ({ name: tag, value }));
    const created = await scenario.api.createCluster({
      metadata: { name },
      spec: { ...TUTORIAL_CLUSTER.spec, awsTags },
    });
    const uid = created.metadata.uid;
    await eventually('the cluster RUNNING', async () =>
      (await scenario.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
    );
    return uid;
  }

  it('shows a lifecycle waiting at its scale gate as one pending change approval with an age, and 0 once approved', async () => {
    const name = uniqueClusterName('gauged');
    const lifecycle = await scenario.startRunbook(
      lifecycleInput(name, {
        scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
        requester: 'bob',
        approval: resolveApprovalPolicy(LOCAL_DEFAULTS, { name, tags: [] }),
      }),
    );
    // The lifecycle's scale is its cluster's change runbook: the gate, and the gauge, are of kind change.
    const handle = await approvalGateOf(environment.client, lifecycle);
    const pending = await handle.query(pendingApprovalQuery);
    const waiting = await eventually('one pending approval on /metrics', async () => {
      const body = await text(metricsUrl);
      return gauge(body, 'imply_runbooks_approvals_pending', 'change') === 1 ? body : undefined;
    });
    const age = gauge(waiting, 'imply_runbooks_approval_oldest_age_seconds', 'change');
    const waitedAtMost = (Date.now() - Date.parse(pending!.plan.createdAt)) / 1000 + 1;
    assert.ok(age >= 0 && age <= waitedAtMost, `age ${age} s, the plan is ${waitedAtMost} s old`);
    assert.equal(gauge(waiting, 'imply_runbooks_approvals_pending', 'lifecycle'), 0);

    await handle.executeUpdate(approveChangeUpdate, {
      args: [{ decider: 'alice', decision: 'approve', planVersion: pending!.plan.version }],
    });
    await lifecycle.result();
    const after = await eventually('no pending approval on /metrics', async () => {
      const body = await text(metricsUrl);
      return gauge(body, 'imply_runbooks_approvals_pending', 'change') === 0 ? body : undefined;
    });
    assert.equal(gauge(after, 'imply_runbooks_approval_oldest_age_seconds', 'change'), 0);
  });

  it('counts a change that was rolled back, by the kind of change', async () => {
    const name = uniqueClusterName('rolled');
    const uid = await running(name);
    scenario.emulator.setFaults({ failNextUpdate: [uid] });
    const config = parseConfigText(`
approvals:
  groups: { ops: [alice, bob] }
  default: { approvers: [ops], required: 1, timeout: 1h }
policies:
  - name: e2e
    match: { name: "${name}" }
    bounds: { data.tier1: { minReplicas: 1, maxReplicas: 5 } }
    autoApproveKinds: [scale]
    cooldown: 0
`);
    const request = {
      kind: 'scale' as const,
      changes: [{ path: 'spec.data.tier1.replicas', value: 3 }],
      requester: 'dave',
      source: 'cli',
    };
    const dependencies = {
      api: scenario.api,
      client: environment.client,
      taskQueue: scenario.taskQueue,
      config,
    };
    const { ack } = await submitChange(dependencies, name, request, FAST_WAIT);
    const result: ChangeResult = await environment.client.workflow.getHandle(ack.runbookId).result();
    assert.equal(result.outcome, 'rolled-back');
    const body = await eventually('the rollback on /metrics', async () => {
      const page = await text(metricsUrl);
      return sample(page, 'imply_runbooks_rolled_back_total', { kind: 'change' }) > 0 ? page : undefined;
    });
    assert.equal(sample(body, 'imply_runbooks_rolled_back_total', { kind: 'change', change: 'scale' }), 1);
    assert.equal(
      sample(body, 'imply_runbooks_completed_total', { kind: 'change', outcome: 'rolled-back' }),
      1,
    );
  });

  it("counts a fleet run's clusters by result", async () => {
    const team = `obs-${randomUUID().slice(0, 8)}`;
    await running(uniqueClusterName('fleet-a'), { team });
    await running(uniqueClusterName('fleet-b'), { team });
    await running(uniqueClusterName('fleet-opted-out'), { team, 'imply-runbooks/schedule': 'off' });
    const input: FleetInput = {
      action: 'stop',
      selector: { tags: { team } },
      requester: 'e2e',
      wait: FAST_WAIT,
    };
    const handle = await environment.client.workflow.start<typeof fleetRunbook>('fleetRunbook', {
      taskQueue: scenario.taskQueue,
      workflowId: `fleet-obs-${randomUUID()}`,
      args: [input],
    });
    const summary: FleetSummary = await handle.result();
    assert.deepEqual([summary.done.length, summary.skipped.length], [2, 1]);
    const body = await eventually('the fleet run on /metrics', async () => {
      const page = await text(metricsUrl);
      return sample(page, 'imply_runbooks_fleet_runs_total', { action: 'stop' }) > 0 ? page : undefined;
    });
    const clusters = (result: string) =>
      sample(body, 'imply_runbooks_fleet_clusters_total', { action: 'stop', result });
    assert.deepEqual(
      [clusters('done'), clusters('skipped'), clusters('failed'), clusters('not-started')],
      [2, 1, 0, 0],
    );
    assert.equal(sample(body, 'imply_runbooks_fleet_runs_total', { action: 'stop', aborted: 'false' }), 1);
    // Its power runbooks are counted as runbooks of their own.
    assert.equal(sample(body, 'imply_runbooks_completed_total', { kind: 'power', outcome: 'done' }), 2);
  });
});
