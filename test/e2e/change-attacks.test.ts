import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config';
import type { ChangeResult } from '../../src/shared/change';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { pendingApprovalQuery } from '../../src/workflows/approval-messages';
import {
  createE2eEnvironment,
  eventually,
  FAST_WAIT,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/**
 * The change runbook attacked through the real trigger endpoint (web server, dev server, worker,
 * emulator): a "scale" that changes anything else, auto-approval stretched past what a policy names,
 * and trigger storms that once sent a runbook into an endless re-plan.
 */

interface TriggerAnswer {
  status: number;
  runbookId?: string;
  disposition?: string;
  planVersion?: number;
  needsApproval?: boolean;
  message?: string;
  refused?: string;
  results?: TriggerAnswer[];
}

function policyFor(name: string): string {
  return `
approvals:
  groups: { ops: [alice, bob] }
  default: { approvers: [ops], required: 1, timeout: 1h }
policies:
  - name: attack
    match: { name: "${name}*" }
    bounds: { data.tier1: { minReplicas: 1, maxReplicas: 5 } }
    autoApproveKinds: [scale, update]
    autoApproveUpdates: [spec.pivot.accessMode]
`;
}

describe('change runbook under attack (trigger endpoint, dev server, worker, emulator)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let web: RunningWebServer;
  const token = `trigger-${randomBytes(18).toString('hex')}`;
  const prefix = uniqueClusterName('attack');

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario({ transitionMs: 200 });
    await scenario.startWorker();
    web = await startWebServer({
      port: 0,
      client: environment.client,
      namespace: environment.namespace,
      config: parseConfigText(policyFor(prefix)),
      triggers: {
        api: scenario.api,
        client: environment.client,
        taskQueue: scenario.taskQueue,
        secrets: { token },
        wait: FAST_WAIT,
      },
    });
  });
  after(async () => {
    await web?.close();
    await environment?.close();
  });

  async function post(body: unknown): Promise<TriggerAnswer> {
    const response = await fetch(`${web.url}/api/triggers/scale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { ...((await response.json()) as TriggerAnswer), status: response.status };
  }

  async function runningCluster(suffix: string): Promise<{ uid: string; name: string }> {
    const name = `${prefix}-${suffix}`;
    const uid = (await scenario.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } })).metadata.uid;
    await eventually('the cluster RUNNING', async () =>
      (await scenario.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
    );
    return { uid, name };
  }

  const historyLength = async (runbookId: string) =>
    (await environment.client.workflow.getHandle(runbookId).describe()).historyLength;

  it('refuses a "scale" of the IAM role and deep storage, even where scales auto-approve, and changes nothing', async () => {
    const { uid, name } = await runningCluster('role');
    const answer = await post({
      cluster: name,
      set: {
        awsInstanceRole: 'arn:aws:iam::123:role/attacker',
        'deepStorage.path': 's3://attacker-bucket/x',
        'deepStorage.encrypt': false,
      },
    });
    // A malformed request: 400, naming the field and the kind to use instead.
    assert.equal(answer.status, 400, JSON.stringify(answer));
    assert.match(
      answer.refused ?? '',
      /spec\.awsInstanceRole: a scale changes only replicas and instanceType .* with an update/,
    );
    const cluster = await scenario.api.getCluster(uid);
    assert.equal(cluster.status?.resourceVersion, 0);
    assert.equal(cluster.spec.awsInstanceRole, TUTORIAL_CLUSTER.spec.awsInstanceRole);
    assert.ok(
      !scenario.emulator.requestLog().some((entry) => entry.clusterId === uid && entry.method === 'PUT'),
    );
  });

  it('auto-approves an update only of the exact paths a policy lists, and never of security-relevant ones', async () => {
    const { uid, name } = await runningCluster('update');
    const role = await post({
      cluster: name,
      kind: 'update',
      set: { awsInstanceRole: 'arn:aws:iam::123:role/other' },
    });
    assert.equal(role.status, 202, JSON.stringify(role));
    assert.equal(role.needsApproval, true, 'the IAM role waits for a person');
    assert.match(role.message ?? '', /spec\.awsInstanceRole is security-relevant/);
    const handle = environment.client.workflow.getHandle(role.runbookId!);
    await eventually('the plan waiting for approval', () => handle.query(pendingApprovalQuery));
    await handle.cancel();
    await handle.result().catch(() => undefined);
    assert.equal(
      (await scenario.api.getCluster(uid)).spec.awsInstanceRole,
      TUTORIAL_CLUSTER.spec.awsInstanceRole,
    );

    const pivot = await post({ cluster: name, kind: 'update', set: { 'pivot.accessMode': 'DIRECT' } });
    assert.equal(pivot.status, 202, JSON.stringify(pivot));
    assert.equal(pivot.needsApproval, false);
    const result: ChangeResult = await environment.client.workflow.getHandle(pivot.runbookId!).result();
    assert.equal(result.outcome, 'applied', JSON.stringify(result));
    const spec = (await scenario.api.getCluster(uid)).spec as { pivot?: { accessMode?: string } };
    assert.equal(spec.pivot?.accessMode, 'DIRECT');
  });

  it('refuses bad values without touching the pending plan or looping, and takes a valid trigger after', async () => {
    const { name } = await runningCluster('storm');
    // A plan that waits for a person: an update of a path the policy does not list.
    const pending = await post({ cluster: name, kind: 'update', set: { version: '2099.01' } });
    assert.equal(pending.status, 202, JSON.stringify(pending));
    assert.equal(pending.needsApproval, true);
    const storm = pending.runbookId!;
    const handle = environment.client.workflow.getHandle(storm);
    for (const replicas of [-1, -2]) {
      const refused = await post({ cluster: name, kind: 'update', set: { 'data.tier1.replicas': replicas } });
      assert.equal(refused.status, 422, JSON.stringify(refused));
      assert.match(refused.refused ?? '', new RegExp(`replicas ${replicas} is below minReplicas 1`));
      const scale = await post({ cluster: name, set: { 'data.tier1.replicas': replicas } });
      assert.equal(scale.status, 400, JSON.stringify(scale));
      assert.match(
        scale.refused ?? '',
        new RegExp(`spec\\.data\\.tier1\\.replicas: ${replicas} is not a whole number`),
      );
    }
    const alerts = await post({
      version: '4',
      status: 'firing',
      alerts: [0, 1].map((index) => ({
        status: 'firing',
        labels: { alertname: 'Shrink', cluster: name, node_group: 'data.tier1', replicas: '0' },
        fingerprint: `f${index}`,
      })),
    });
    assert.equal(alerts.status, 400, JSON.stringify(alerts));
    assert.equal(alerts.results?.length, 2);
    for (const result of alerts.results ?? []) {
      assert.match(result.refused ?? '', /is not a whole number of replicas of at least 1/);
    }
    // The pending plan survived, the history stayed small, and a valid trigger merges into it.
    assert.equal((await handle.query(pendingApprovalQuery))?.plan.version, 1);
    const length = await historyLength(storm);
    assert.ok(length < 100, `history grew to ${length} events`);
    const valid = await post({ cluster: name, kind: 'update', set: { 'pivot.accessMode': 'DIRECT' } });
    assert.equal(valid.status, 202, JSON.stringify(valid));
    assert.deepEqual([valid.disposition, valid.planVersion], ['merged', 2]);
    const replanned = await eventually('plan v2 waiting for approval', async () => {
      const waiting = await handle.query(pendingApprovalQuery);
      return waiting?.plan.version === 2 ? waiting : undefined;
    });
    assert.deepEqual(
      [...replanned.plan.diffLines].sort(),
      [
        'spec.pivot.accessMode: "PROXIED" → "DIRECT"',
        `spec.version: "${TUTORIAL_CLUSTER.spec.version}" → "2099.01"`,
      ].sort(),
    );
    await handle.cancel();
    await handle.result().catch(() => undefined);
  });

  it('tells each of 20 concurrent conflicting triggers what its request became', async () => {
    const { name } = await runningCluster('twenty');
    const opener = await post({ cluster: name, kind: 'update', set: { version: '2099.01' } });
    assert.equal(opener.status, 202, JSON.stringify(opener));
    const handle = environment.client.workflow.getHandle(opener.runbookId!);
    await eventually('the plan waiting for approval', () => handle.query(pendingApprovalQuery));
    const values = Array.from({ length: 20 }, (_, index) => (index % 4) + 2);
    const answers = await Promise.all(
      values.map((replicas) =>
        post({ cluster: name, kind: 'update', set: { 'data.tier1.replicas': replicas } }),
      ),
    );
    const plan = await eventually('the last plan waiting for approval', async () => {
      const pending = await handle.query(pendingApprovalQuery);
      const settled = answers.every((answer) => answer.status === 202);
      return pending && settled ? pending : undefined;
    });
    const finalValue = plan.plan.diffLines
      .find((line) => line.startsWith('spec.data.tier1.replicas'))
      ?.split('→')[1]
      ?.trim();
    for (const [index, answer] of answers.entries()) {
      const asked = String(values[index]);
      if (answer.disposition === 'superseded') {
        assert.match(
          answer.message ?? '',
          new RegExp(`spec\\.data\\.tier1\\.replicas=${asked} was replaced by \\d`),
        );
        assert.doesNotMatch(answer.message ?? '', new RegExp(`replaced by ${asked} `));
      } else {
        assert.equal(answer.disposition, 'merged', JSON.stringify(answer));
        if (answer.planVersion === plan.plan.version) assert.equal(asked, finalValue, JSON.stringify(answer));
      }
    }
    assert.ok(
      answers.some((answer) => answer.disposition === 'superseded'),
      'twenty conflicting triggers, one plan',
    );
    assert.ok((await historyLength(opener.runbookId!)) < 2_000);
    await handle.cancel();
    await handle.result().catch(() => undefined);
  });
});
