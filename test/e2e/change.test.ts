import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { parseConfigText, type Config } from '../../src/config';
import type { ChangeResult } from '../../src/shared/change';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { powerStartOptions } from '../../src/shared/power';
import { submitChange, TriggerRefused } from '../../src/triggers/submit-change';
import { runbookProgressQuery } from '../../src/workflows';
import { approveChangeUpdate, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { runCli } from '../../scripts/lib/run-cli';
import {
  createE2eEnvironment,
  eventually,
  FAST_WAIT,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/** A configuration whose policy for `name` bounds data.tier1 to 1..5 and auto-approves the given kinds. */
function configFor(name: string, autoApprove: string[], cooldown = '0'): string {
  return `
approvals:
  groups: { ops: [alice, bob] }
  default: { approvers: [ops], required: 1, timeout: 1h }
policies:
  - name: e2e
    match: { name: "${name}" }
    bounds: { data.tier1: { minReplicas: 1, maxReplicas: 5, instanceTypes: [t2.small, m5.large] } }
    autoApproveKinds: [${autoApprove.join(', ')}]
    cooldown: ${cooldown}
`;
}

describe('change runbooks end to end (dev server, emulator, worker, web server, CLI)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let web: RunningWebServer | undefined;
  const token = `trigger-${randomBytes(18).toString('hex')}`;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'imply-change-e2e-'));

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    await scenario.startWorker();
  });
  after(async () => {
    await web?.close();
    await environment?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function runningCluster(prefix: string): Promise<{ uid: string; name: string }> {
    const name = uniqueClusterName(prefix);
    const created = await scenario.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } });
    const uid = created.metadata.uid;
    await eventually('the cluster RUNNING', async () =>
      (await scenario.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
    );
    return { uid, name };
  }

  const replicasAt = async (uid: string, version: number) =>
    (await scenario.api.getClusterVersion(uid, version)).spec.data?.tier1?.replicas;

  it('rolls a broken update back by itself, as the emulator history shows', async () => {
    const { uid, name } = await runningCluster('change-rollback');
    // The emulator's "next update of this cluster ends in FAILED" (POST /_emulator/clusters/<uid>/fail-next-update).
    scenario.emulator.setFaults({ failNextUpdate: [uid] });
    const config = parseConfigText(configFor(name, ['scale']));
    const dependencies = {
      api: scenario.api,
      client: environment.client,
      taskQueue: scenario.taskQueue,
      config,
    };
    const request = {
      kind: 'scale' as const,
      changes: [{ path: 'spec.data.tier1.replicas', value: 4 }],
      requester: 'dave',
      source: 'cli',
    };
    const { ack } = await submitChange(dependencies, name, request, FAST_WAIT);
    assert.equal(ack.disposition, 'started');
    const result: ChangeResult = await environment.client.workflow.getHandle(ack.runbookId).result();
    assert.equal(result.outcome, 'rolled-back');
    assert.match(result.reason ?? '', /ended in FAILED while waiting for RUNNING/);
    assert.deepEqual(result.rollback?.verified, { before: 1, after: 2 });
    assert.deepEqual(
      [await replicasAt(uid, 0), await replicasAt(uid, 1), await replicasAt(uid, 2)],
      [1, 4, 1],
    );
    const cluster = await scenario.api.getCluster(uid);
    assert.deepEqual([cluster.status?.state, cluster.status?.resourceVersion], ['RUNNING', 2]);
  });

  it('rolls a change back when cancelled from the CLI while the cluster is UPDATING, as the emulator history shows', async () => {
    // Slow enough that the CLI's cancel lands while the cluster is UPDATING, even on a loaded machine.
    const slow = await environment.scenario({ transitionMs: 12_000 });
    await slow.startWorker();
    const name = uniqueClusterName('change-cancel');
    const uid = (await slow.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } })).metadata.uid;
    await eventually(
      'the cluster RUNNING',
      async () => ((await slow.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined),
      { timeoutMs: 20_000 },
    );
    const dependencies = {
      api: slow.api,
      client: environment.client,
      taskQueue: slow.taskQueue,
      config: parseConfigText(configFor(name, ['scale'])),
    };
    const request = {
      kind: 'scale' as const,
      changes: [{ path: 'spec.data.tier1.replicas', value: 2 }],
      requester: 'dave',
      source: 'cli',
    };
    const { ack } = await submitChange(dependencies, name, request, FAST_WAIT);
    await eventually('the update in flight', async () =>
      (await slow.api.getCluster(uid)).status?.state === 'UPDATING' ? true : undefined,
    );
    const cancel = await runCli(['cancel', ack.runbookId, '--as', 'carol'], {
      TEMPORAL_ADDRESS: environment.address,
    });
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, new RegExp(`Cancellation requested for change:${uid}`));

    const handle = environment.client.workflow.getHandle(ack.runbookId);
    const ended = await handle.result().then(
      () => assert.fail('the runbook should end cancelled'),
      (error: unknown) => error,
    );
    assert.ok(ended instanceof WorkflowFailedError && ended.cause instanceof CancelledFailure, String(ended));
    const history = await Promise.all(
      [0, 1, 2].map(
        async (version) => (await slow.api.getClusterVersion(uid, version)).spec.data?.tier1?.replicas,
      ),
    );
    assert.deepEqual(history, [1, 2, 1]);
    const cluster = await slow.api.getCluster(uid);
    assert.deepEqual([cluster.status?.state, cluster.status?.resourceVersion], ['RUNNING', 2]);
    const progress = await handle.query(runbookProgressQuery);
    assert.equal(progress.outcome, 'cancelled');
    assert.match(
      progress.steps.find((step) => step.name === 'rollback')?.detail ?? '',
      /^put back version 0 \(cancelled by carol during (apply|wait)\); resource version 1 → 2$/,
    );
  });

  it('tells a trigger the cluster is busy while a stop holds change:<uid>, and when no worker answers', async () => {
    const slow = await environment.scenario({ transitionMs: 2000 });
    await slow.startWorker();
    const name = uniqueClusterName('change-busy');
    const uid = (await slow.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } })).metadata.uid;
    await eventually(
      'the cluster RUNNING',
      async () => ((await slow.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined),
      { timeoutMs: 20_000 },
    );
    const config = parseConfigText(configFor(name, ['scale']));
    const request = {
      kind: 'scale' as const,
      changes: [{ path: 'spec.data.tier1.replicas', value: 2 }],
      requester: 'dave',
      source: 'http',
    };
    const stop = await environment.client.workflow.start(
      'powerRunbook',
      powerStartOptions(
        { clusterId: uid, action: 'stop', requester: 'nightly', source: 'schedule', wait: FAST_WAIT },
        slow.taskQueue,
        name,
      ),
    );
    const busy = await submitChange(
      { api: slow.api, client: environment.client, taskQueue: slow.taskQueue, config },
      uid,
      request,
    ).then(
      () => assert.fail('the trigger should be refused'),
      (error: unknown) => error,
    );
    assert.ok(busy instanceof TriggerRefused);
    assert.equal(busy.status, 409);
    assert.match(
      busy.message,
      new RegExp(`busy: change:${uid} \\(a power runbook\\) is running on this cluster`),
    );
    await stop.result();

    const noWorker = {
      api: slow.api,
      client: environment.client,
      taskQueue: `no-worker-${uid}`,
      config,
      answerTimeoutMs: 1500,
    };
    const silent = await submitChange(noWorker, uid, request).then(
      () => assert.fail('no worker, no answer'),
      (error: unknown) => error,
    );
    await environment.client.workflow
      .getHandle(`change:${uid}`)
      .terminate('test over')
      .catch(() => undefined);
    assert.ok(silent instanceof TriggerRefused);
    assert.deepEqual([silent.status, silent.rule], [504, 'no-answer']);
    assert.match(silent.message, /did not answer within 2 s: is a worker running on task queue "no-worker-/);
  });

  it('scales a cluster from an Alertmanager alert posted to the trigger endpoint, through policy and approval', async () => {
    const { uid, name } = await runningCluster('change-alert');
    const config: Config = parseConfigText(configFor(name, []));
    web = await startWebServer({
      port: 0,
      client: environment.client,
      namespace: environment.namespace,
      config,
      triggers: {
        api: scenario.api,
        client: environment.client,
        taskQueue: scenario.taskQueue,
        secrets: { token },
        wait: FAST_WAIT,
      },
    });
    const alert = (replicas: string) => ({
      version: '4',
      status: 'firing',
      receiver: 'imply-runbooks',
      groupLabels: { alertname: 'DruidIngestLag' },
      commonLabels: {},
      commonAnnotations: {},
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DruidIngestLag', cluster: name, node_group: 'data.tier1', replicas },
          annotations: { summary: 'ingestion lag above 5 minutes' },
          startsAt: new Date().toISOString(),
          fingerprint: 'abc123',
        },
      ],
    });
    const post = (body: unknown, bearer = token) =>
      fetch(`${web!.url}/api/triggers/scale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify(body),
      });
    assert.equal((await post(alert('3'), 'wrong-token-wrong-token')).status, 401);
    const tooMany = await post(alert('9'));
    assert.equal(tooMany.status, 422);
    assert.match(
      ((await tooMany.json()) as { refused: string }).refused,
      /data\.tier1\.replicas 9 is above maxReplicas 5/,
    );

    const accepted = await post(alert('3'));
    assert.equal(accepted.status, 202);
    const body = (await accepted.json()) as {
      runbookId: string;
      disposition: string;
      needsApproval: boolean;
    };
    assert.deepEqual(
      [body.runbookId, body.disposition, body.needsApproval],
      [`change:${uid}`, 'started', true],
    );
    const handle = environment.client.workflow.getHandle(body.runbookId);
    const pending = await eventually('the plan waiting for approval', () =>
      handle.query(pendingApprovalQuery),
    );
    assert.deepEqual(pending.plan.diffLines, ['spec.data.tier1.replicas: 1 → 3']);
    assert.equal(pending.plan.requester, 'alertmanager');
    const again = (await (await post(alert('3'))).json()) as { disposition: string };
    assert.equal(again.disposition, 'merged');
    await handle.executeUpdate(approveChangeUpdate, {
      args: [{ decider: 'alice', decision: 'approve', planVersion: 1 }],
    });
    const result: ChangeResult = await handle.result();
    assert.equal(result.outcome, 'applied');
    assert.equal(result.approval?.outcome, 'approved');
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.replicas, 3);
  });

  it('scales through the real CLI, auto-approved by the policy, then refuses the next scale in the cooldown', async () => {
    const { uid, name } = await runningCluster('change-cli');
    const configFile = path.join(directory, 'cli.yaml');
    writeFileSync(configFile, configFor(name, ['scale']));
    const env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_API_URL: scenario.emulator.apiUrl,
      IMPLY_TOKEN: scenario.token,
      IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
    };
    const scaleTo = (replicas: number) =>
      runCli(
        [
          'scale',
          name,
          '--set',
          `data.tier1.replicas=${replicas}`,
          '--reason',
          'launch',
          '--as',
          'dave',
          '--config',
          configFile,
          '--poll-initial',
          '100ms',
          '--poll-max',
          '500ms',
          '--wait',
        ],
        env,
      );
    const run = await scaleTo(2);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`Started runbook change:${uid} on ${name}`));
    assert.match(run.stdout, /plan v1 is auto-approved by policy "e2e"/);
    assert.match(
      run.stdout,
      new RegExp(`Applied: scale of ${name} \\(${uid}\\), verified at resource version 1`),
    );
    assert.ok(!run.stdout.includes(scenario.token) && !run.stderr.includes(scenario.token));
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.replicas, 2);

    // The cooldown reads the closed run's memo through visibility: wait until visibility has it.
    const closed = `WorkflowId = 'change:${uid}' AND ExecutionStatus = 'Completed'`;
    await eventually('the closed change in visibility', async () =>
      (await environment.client.workflow.count(closed)).count === 1 ? true : undefined,
    );
    writeFileSync(configFile, configFor(name, ['scale'], '30m'));
    const refused = await scaleTo(3);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /policy "e2e": cooldown 30m after a change: the last one \(change:.*\) was applied at/,
    );
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.replicas, 2);
  });
});
