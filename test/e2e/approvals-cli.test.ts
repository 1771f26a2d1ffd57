import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../src/activities';
import type { SlackMessage } from '../../src/activities/approval-message';
import { LOCAL_DEFAULTS, resolveApprovalPolicy } from '../../src/config';
import { ApprovalsSource } from '../../src/web/approvals-source';
import type { ApprovalAudit } from '../../src/shared/approval';
import type { LifecycleResult } from '../../src/shared/runbook';
import { createWorker } from '../../src/worker';
import { approvalAuditQuery, pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { runCli, type CliRun } from '../../scripts/lib/run-cli';
import {
  createE2eEnvironment,
  approvalGateOf,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { startWebhook } from '../helpers/webhook-receiver';

const PUBLIC_URL = 'http://127.0.0.1:8787';
const SCALE = [{ path: 'spec.data.tier1.replicas', value: 2 }];

describe('approvals from the CLI (dev server, emulator, worker, the real CLI)', { concurrency: true }, () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let webhook: Awaited<ReturnType<typeof startWebhook<SlackMessage>>>;
  let stopWorker: () => Promise<void>;
  // The CLI runs in an empty directory with only the variables it needs: no stray config file or user.
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'approvals-cli-'));
  const cli = (...args: string[]): Promise<CliRun> =>
    runCli(args, { TEMPORAL_ADDRESS: environment.address }, workDirectory);

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    webhook = await startWebhook<SlackMessage>('/services/secret-hook');
    // The worker as `imply-runbooks worker` builds it, with this test's webhook in its configuration.
    const worker = await createWorker({
      connection: environment.connection,
      namespace: environment.namespace,
      taskQueue: scenario.taskQueue,
      activities: createActivities({
        api: scenario.api,
        notifications: { webhookUrls: [webhook.url], publicUrl: PUBLIC_URL },
      }),
      shutdownGraceTime: '1s',
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
    };
  });
  after(async () => {
    // The worker holds the shared connection: stop it before the environment closes it.
    await stopWorker?.();
    await environment?.close();
    webhook?.server.closeAllConnections();
    await new Promise((resolve) => webhook?.server.close(resolve));
    rmSync(workDirectory, { recursive: true, force: true });
  });

  /**
   * A lifecycle runbook that bob asks for, under the local default policy (one of alice, bob), and
   * its scale's change runbook (`change:<uid>`) waiting at the approval gate.
   */
  async function startGatedRunbook(prefix: string, required = 1) {
    const name = uniqueClusterName(prefix);
    const policy = resolveApprovalPolicy(LOCAL_DEFAULTS, { name, tags: [] });
    const approvers = required > 1 ? ['alice', 'carol'] : policy.stage.approvers;
    const lifecycle = await scenario.startRunbook(
      lifecycleInput(name, {
        scale: SCALE,
        requester: 'bob',
        reason: 'more capacity',
        approval: { ...policy, stage: { ...policy.stage, approvers, required } },
      }),
    );
    return { lifecycle, handle: await approvalGateOf(environment.client, lifecycle) };
  }

  const replicasOf = async (clusterId: string) =>
    (await scenario.api.getCluster(clusterId)).spec.data?.tier1?.replicas;

  it('lists the change, refuses the requester, lets alice approve, and audits both', async () => {
    const { lifecycle, handle } = await startGatedRunbook('approve-cli');
    const runbookId = handle.workflowId;
    assert.match(runbookId, /^change:/, 'the gate is the change runbook of the cluster');

    const listed = await eventually('the runbook in `approvals`', async () => {
      const run = await cli('approvals');
      return run.stdout.includes(runbookId) ? run : undefined;
    });
    assert.equal(listed.code, 0, listed.stderr);
    const block = listed.stdout.split('\n\n').find((text) => text.startsWith(runbookId)) ?? '';
    assert.match(block, /asked by: +bob/);
    assert.match(block, /approvals: +0 of 1, policy default/);
    assert.match(block, /approvers: +alice, bob \(ops\)/);
    assert.match(block, /spec\.data\.tier1\.replicas: 1 → 2/);
    assert.ok(block.includes(`${PUBLIC_URL}/approvals/${encodeURIComponent(runbookId)}`));

    const listedJson = JSON.parse((await cli('approvals', '--json')).stdout) as Array<{
      runbookId: string;
      pending: { plan: { requester: string; diffLines: string[] } };
    }>;
    const row = listedJson.find((candidate) => candidate.runbookId === runbookId);
    assert.equal(row?.pending.plan.requester, 'bob');

    const ownChange = await cli('approve', runbookId, '--as', 'bob');
    assert.equal(ownChange.code, 1);
    assert.match(ownChange.stderr, /refused this decision: .*bob.*(own|requested|four eyes)/i);
    assert.ok(await handle.query(pendingApprovalQuery), 'the gate is still open after the refusal');

    const approved = await cli('approve', runbookId, '--as', 'alice', '--comment', 'capacity for the launch');
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /Approving plan 1 of .* as alice/);
    assert.match(approved.stdout, /spec\.data\.tier1\.replicas: 1 → 2/);
    assert.match(approved.stdout, /approved 1 of 1: the runbook goes on/);

    const result: LifecycleResult = await lifecycle.result();
    assert.equal(result.outcome, 'completed');
    assert.equal(result.scaleChange?.runbookId, runbookId);
    assert.equal(await replicasOf(result.clusterId), 2, 'the cluster was scaled');

    const audit = await cli('audit', runbookId, '--json');
    assert.equal(audit.code, 0, audit.stderr);
    const trail = JSON.parse(audit.stdout) as ApprovalAudit & { status: string };
    assert.equal(trail.status, 'COMPLETED');
    assert.equal(trail.outcome, 'approved');
    assert.equal(trail.plans[0]?.requester, 'bob');
    const decision = trail.decisions.find((entry) => entry.decider === 'alice');
    assert.deepEqual(decision && { ...decision, at: typeof decision.at }, {
      decider: 'alice',
      decision: 'approve',
      planVersion: 1,
      comment: 'capacity for the launch',
      at: 'string',
      via: 'update',
      outcome: 'counted',
      authenticatedBy: 'cli',
    });
    assert.ok(!trail.decisions.some((entry) => entry.decider === 'bob'), 'a refused update left no trace');

    const text = await cli('audit', runbookId);
    assert.match(text.stdout, /policy default, outcome approved/);
    assert.match(text.stdout, /alice +approve +1 +update +cli +counted +capacity for the launch/);

    await eventually('the `requested` message', () =>
      webhook.messages.find(
        (message) => message.text.includes(runbookId) && message.text.startsWith('Approval needed'),
      ),
    );
    await eventually('the `decided` message', () =>
      webhook.messages.find(
        (message) => message.text.includes(runbookId) && /approved: the runbook goes on/.test(message.text),
      ),
    );
  });

  it('counts the same decision sent from the page and from the CLI once: one update id for both', async () => {
    const { lifecycle, handle } = await startGatedRunbook('approve-twice', 2);
    const runbookId = handle.workflowId;
    const page = new ApprovalsSource(environment.client);
    const fromPage = await page.decide(runbookId, {
      decider: 'alice',
      decision: 'approve',
      planVersion: 1,
      authenticatedBy: 'session',
    });
    assert.deepEqual(fromPage, {
      ok: true,
      ack: { accepted: true, state: 'pending', approvals: 1, required: 2 },
    });

    // The same person approves the same plan again from a terminal: the same update, answered alike.
    const fromCli = await cli('approve', runbookId, '--as', 'alice', '--json');
    assert.equal(fromCli.code, 0, fromCli.stderr);
    assert.deepEqual(JSON.parse(fromCli.stdout), {
      runbookId,
      planVersion: 1,
      decider: 'alice',
      accepted: true,
      state: 'pending',
      approvals: 1,
      required: 2,
    });
    assert.deepEqual((await handle.query(pendingApprovalQuery))?.approvals, ['alice'], 'alice counted once');
    const audit = await handle.query(approvalAuditQuery);
    assert.deepEqual(
      audit?.decisions.map((entry) => [entry.decider, entry.authenticatedBy]),
      [['alice', 'session']],
      'one decision in the audit: the second send was the same update, not a second decision',
    );
    await lifecycle.terminate('test done');
  });

  it('rejects with a reason: the runbook ends cleanly with nothing applied', async () => {
    const { lifecycle, handle } = await startGatedRunbook('reject-cli');
    const runbookId = handle.workflowId;

    const noReason = await cli('reject', runbookId, '--as', 'alice');
    assert.equal(noReason.code, 2, 'bad input');
    assert.match(noReason.stderr, /--reason/);

    const rejected = await cli('reject', runbookId, '--as', 'alice', '--reason', 'not during the freeze');
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /rejected: the runbook ends with nothing applied/);

    const result: LifecycleResult = await lifecycle.result();
    assert.equal(result.outcome, 'rejected');
    assert.equal((await handle.result()).outcome, 'rejected');
    assert.match(result.reason ?? '', /alice: not during the freeze/);
    assert.equal(await replicasOf(result.clusterId), 1, 'nothing was applied');
    const puts = scenario.emulator
      .requestLog()
      .filter((entry) => entry.method === 'PUT' && entry.clusterId === result.clusterId && entry.committed);
    assert.deepEqual(puts, [], 'the rejected change reached the API');

    const audit = JSON.parse((await cli('audit', runbookId, '--json')).stdout) as ApprovalAudit;
    assert.equal(audit.outcome, 'rejected');
    assert.equal(audit.decisions.at(-1)?.comment, 'not during the freeze');

    const late = await cli('approve', runbookId, '--as', 'alice');
    assert.equal(late.code, 1);
    assert.match(late.stderr, /no change waiting for approval/);
    await eventually('the `decided` (rejected) message', () =>
      webhook.messages.find(
        (message) => message.text.includes(runbookId) && /rejected: nothing applied/.test(message.text),
      ),
    );
  });

  it('joins a scale from the CLI into the lifecycle scale waiting for approval: one gate, one PUT', async () => {
    const { lifecycle, handle } = await startGatedRunbook('joined');
    const clusterId = handle.workflowId.slice('change:'.length);
    // Another person scales the same cluster the way every trigger does (update-with-start on change:<uid>).
    const scaled = await runCli(
      ['scale', clusterId, '--set', 'query.replicas=4', '--as', 'carol', '--reason', 'more queries'],
      {
        TEMPORAL_ADDRESS: environment.address,
        IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
        IMPLY_API_URL: scenario.emulator.apiUrl,
        IMPLY_TOKEN: scenario.token,
      },
      workDirectory,
    );
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(
      scaled.stdout,
      new RegExp(`Merged into the change ${handle.workflowId} waiting for approval`),
    );
    const merged = await eventually('plan v2 with both requests', async () => {
      const pending = await handle.query(pendingApprovalQuery);
      return pending?.plan.version === 2 ? pending : undefined;
    });
    assert.equal(merged.plan.diffLines.length, 2, merged.plan.diffLines.join('; '));
    assert.match(merged.plan.diffLines.join('\n'), /spec\.data\.tier1\.replicas: 1 → 2/);
    assert.match(merged.plan.diffLines.join('\n'), /spec\.query\.replicas: \d+ → 4/);
    const gates = JSON.parse((await cli('approvals', '--json')).stdout) as Array<{ runbookId: string }>;
    assert.deepEqual(
      gates.filter((gate) => gate.runbookId.includes(clusterId)).map((gate) => gate.runbookId),
      [handle.workflowId],
      'one gate for the cluster',
    );
    const byCarol = await cli('approve', handle.workflowId, '--as', 'carol');
    assert.equal(byCarol.code, 1, 'carol asked for part of it: four eyes');
    const approved = await cli('approve', handle.workflowId, '--as', 'alice');
    assert.equal(approved.code, 0, approved.stderr);
    const result: LifecycleResult = await lifecycle.result();
    assert.equal(result.outcome, 'completed');
    const cluster = await scenario.api.getCluster(clusterId);
    assert.deepEqual([cluster.spec.data?.tier1?.replicas, cluster.spec.query?.replicas], [2, 4]);
    const puts = scenario.emulator
      .requestLog()
      .filter((entry) => entry.method === 'PUT' && entry.clusterId === clusterId)
      .filter((entry) => entry.committed && entry.query.dryRun !== 'true');
    assert.equal(puts.length, 1, 'one PUT carried both changes');
  });

  it('refuses to decide without an identity, and names the unknown runbook', async () => {
    const anonymous = await cli('approve', 'lifecycle:nobody-here');
    assert.equal(anonymous.code, 2, 'bad input');
    assert.match(anonymous.stderr, /--as <user> or set IMPLY_RUNBOOKS_USER/);
    const unknown = await cli('approve', 'lifecycle:nobody-here', '--as', 'alice');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no runbook "lifecycle:nobody-here"/);
  });
});
