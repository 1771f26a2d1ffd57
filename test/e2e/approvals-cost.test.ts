import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SlackMessage } from '../../src/activities/approval-message';
import { loadConfig } from '../../src/config';
import type { ApprovalAudit, PendingApproval } from '../../src/shared/approval';
import type { ChangeResult } from '../../src/shared/change';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { runCli, type CliRun } from '../../scripts/lib/run-cli';
import {
  createE2eEnvironment,
  eventually,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { startWebhook } from '../helpers/webhook-receiver';

/**
 * A plan's monthly cost and the `costDelta` rule through the real pieces: `imply-runbooks worker`
 * as a process (its price table read once from the configuration), the emulator, the dev server,
 * the CLI, the web server and a chat webhook. Clusters run 3 + 3 t2.small (USD 100.74 a month) and
 * 10 m5.xlarge data nodes (USD 1,401.60): USD 1,502.34 a month at the example prices.
 */

const BEFORE = 'USD 1,502.34';

function configText(webhookUrl: string): string {
  return `
approvals:
  groups: { ops: [alice, bob], leads: [erin] }
  default:
    approvers: [ops]
    timeout: 1h
    costDelta: { above: 5000, approvers: [leads] }
notifications:
  webhooks: [ { url: "${webhookUrl}", events: [requested] } ]
web:
  identityHeader: X-Forwarded-User
  trustedProxies: [127.0.0.1]
prices: prices.json
`;
}

describe('a plan’s monthly cost and the cost delta rule (dev server, emulator, worker process, CLI, web server)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let webhook: Awaited<ReturnType<typeof startWebhook<SlackMessage>>>;
  let web: RunningWebServer;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'approvals-cost-'));
  const configFile = path.join(directory, 'imply-runbooks.config.yaml');
  const cliEnv = () => ({
    TEMPORAL_ADDRESS: environment.address,
    IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
    IMPLY_API_URL: scenario.emulator.apiUrl,
    IMPLY_TOKEN: scenario.token,
    IMPLY_RUNBOOKS_CONFIG: configFile,
  });
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, cliEnv(), directory);

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    webhook = await startWebhook<SlackMessage>('/hook');
    writeFileSync(configFile, configText(webhook.url));
    // The example price of m5.xlarge restated with a date of its own: a plan that says "prices as
    // of 2026-12-01" shows the worker read the configuration's file on top of the default table.
    writeFileSync(
      path.join(directory, 'prices.json'),
      JSON.stringify({ currency: 'USD', asOf: '2026-12-01', hourly: { 'm5.xlarge': 0.192 } }),
    );
    await scenario.startWorkerProcess({ env: { IMPLY_RUNBOOKS_CONFIG: configFile } });
    web = await startWebServer({
      port: 0,
      client: environment.client,
      namespace: environment.namespace,
      config: loadConfig({ path: configFile, env: {} }),
    });
  });
  after(async () => {
    await web?.close();
    await environment?.close();
    webhook?.server.closeAllConnections();
    await new Promise((resolve) => webhook?.server.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  async function runningCluster(prefix: string): Promise<string> {
    const name = uniqueClusterName(prefix);
    const spec = { ...TUTORIAL_CLUSTER.spec, data: { tier1: { replicas: 10, instanceType: 'm5.xlarge' } } };
    const uid = (await scenario.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name }, spec })).metadata
      .uid;
    await eventually('the cluster RUNNING', async () =>
      (await scenario.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
    );
    return uid;
  }

  /** `imply-runbooks scale` as bob; answers the runbook id once its gate is open. */
  async function scale(uid: string, set: string): Promise<{ runbookId: string; started: CliRun }> {
    const started = await cli('scale', uid, '--set', set, '--as', 'bob', '--reason', 'launch');
    assert.equal(started.code, 0, started.stderr);
    const runbookId = `change:${uid}`;
    await eventually('the change in `approvals`', async () => {
      const listed = JSON.parse((await cli('approvals', '--json')).stdout || '[]') as Array<{
        runbookId: string;
      }>;
      return listed.some((row) => row.runbookId === runbookId) ? true : undefined;
    });
    return { runbookId, started };
  }

  async function pendingRow(runbookId: string): Promise<PendingApproval | undefined> {
    const rows = JSON.parse((await cli('approvals', '--json')).stdout) as Array<{
      runbookId: string;
      pending?: PendingApproval;
    }>;
    return rows.find((row) => row.runbookId === runbookId)?.pending;
  }

  it('shows a scale’s monthly cost in the CLI and --json; below the delta one ops approval applies it', async () => {
    const uid = await runningCluster('cost-below');
    const { runbookId, started } = await scale(uid, 'data.tier1.replicas=20');
    const costLine = `monthly cost: ${BEFORE} → USD 2,903.94 (+1,401.60); prices as of 2026-12-01, 730 h a month`;
    assert.ok(started.stdout.includes(costLine), started.stdout);

    const listed = await cli('approvals');
    const block = listed.stdout.split('\n\n').find((text) => text.startsWith(runbookId)) ?? '';
    assert.ok(block.includes(`    ${costLine}`), block);
    assert.doesNotMatch(block, /cost rule/);
    const pending = await pendingRow(runbookId);
    assert.deepEqual(pending?.plan.cost, {
      currency: 'USD',
      monthlyBefore: 1502.34,
      monthlyAfter: 2903.94,
      monthlyDelta: 1401.6,
      hoursPerMonth: 730,
      unpriced: [],
      pricesAsOf: '2026-12-01',
    });
    assert.equal(pending?.costApproval, undefined);

    const approved = await cli('approve', runbookId, '--as', 'alice');
    assert.equal(approved.code, 0, approved.stderr);
    assert.ok(approved.stdout.includes(costLine), approved.stdout);
    assert.match(approved.stdout, /approved 1 of 1: the runbook goes on/);
    const result: ChangeResult = await environment.client.workflow.getHandle(runbookId).result();
    assert.equal(result.outcome, 'applied');
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.replicas, 20);

    const audit = JSON.parse((await cli('audit', runbookId, '--json')).stdout) as ApprovalAudit;
    assert.equal(audit.plans[0]?.cost?.monthlyDelta, 1401.6);
    assert.ok((await cli('audit', runbookId)).stdout.includes(costLine));
  });

  it('above the delta the lead must approve too: page, chat, CLI and audit say so', async () => {
    const uid = await runningCluster('cost-above');
    // 10 × (1.008 − 0.192) × 730 = 5,956.80 more a month: above 5,000.
    const { runbookId, started } = await scale(uid, 'data.tier1.instanceType=r5.4xlarge');
    const rule = 'needs 1 more approval from leads (erin): the change adds USD 5,956.80 a month, above 5,000';
    assert.ok(started.stdout.includes(`  ${rule}`), started.stdout);

    const block = (await cli('approvals')).stdout.split('\n\n').find((text) => text.startsWith(runbookId));
    assert.ok(block?.includes(`monthly cost: ${BEFORE} → USD 7,459.14 (+5,956.80)`), block);
    assert.ok(block?.includes(`cost rule:  ${rule}`), block);
    const pending = await pendingRow(runbookId);
    assert.deepEqual(pending?.costApproval && { ...pending.costApproval }, {
      above: 5000,
      monthlyDelta: 5956.8,
      currency: 'USD',
      groups: ['leads'],
      approvers: ['erin'],
      required: 1,
      approvals: [],
      missing: 1,
    });

    const page = await fetch(`${web.url}/approvals`, { headers: { 'X-Forwarded-User': 'erin' } });
    const html = await page.text();
    assert.equal(page.status, 200, html);
    const card = html.slice(html.indexOf(`data-runbook="${runbookId}"`));
    assert.match(card, /Monthly cost<\/dt>\s*<dd data-cost-delta="5956.8">/);
    assert.ok(card.includes(`<dd class="cost-rule">${rule}</dd>`), card.slice(0, 3000));
    assert.doesNotMatch(card.slice(0, card.indexOf('</article>')), /You are not among the approvers/);

    const message = await eventually('the `requested` message', () =>
      webhook.messages.find((candidate) => candidate.text.includes(runbookId)),
    );
    const fields = message.blocks.flatMap((item) => ('fields' in item ? (item.fields ?? []) : []));
    assert.ok(
      fields.some((field) => field.text.startsWith('*Monthly cost*') && field.text.endsWith(rule)),
      JSON.stringify(fields),
    );

    const byOps = await cli('approve', runbookId, '--as', 'alice');
    assert.equal(byOps.code, 0, byOps.stderr);
    assert.match(
      byOps.stdout,
      /approved 1 of 2: waiting for 1 more approval from alice, bob \(ops\) and erin \(leads, for its cost\)/,
    );
    const stillPending = await pendingRow(runbookId);
    assert.deepEqual(stillPending?.approvals, ['alice']);
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.instanceType, 'm5.xlarge');

    const byLead = await cli('approve', runbookId, '--as', 'erin');
    assert.equal(byLead.code, 0, byLead.stderr);
    assert.match(byLead.stdout, /approved 2 of 2: the runbook goes on/);
    const result: ChangeResult = await environment.client.workflow.getHandle(runbookId).result();
    assert.equal(result.outcome, 'applied');
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.instanceType, 'r5.4xlarge');
    const audit = JSON.parse((await cli('audit', runbookId, '--json')).stdout) as ApprovalAudit;
    assert.deepEqual(
      audit.decisions.map((decision) => decision.decider),
      ['alice', 'erin'],
    );
    assert.equal(audit.plans[0]?.cost?.monthlyAfter, 7459.14);
  });
});
