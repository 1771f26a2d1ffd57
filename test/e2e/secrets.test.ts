import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEFAULTS, resolveApprovalPolicy } from '../../src/config';
import { fleetStartOptions, powerStartOptions } from '../../src/shared/power';
import { pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { runCli } from '../../scripts/lib/run-cli';
import {
  TUTORIAL_CLUSTER,
  createE2eEnvironment,
  approvalGateOf,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { scanOutput, scanServerHistories, scanText } from '../../scripts/lib/secret-scan';

const CLIENT_SECRET = `client-secret-${randomBytes(16).toString('hex')}`;
const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-secrets-'));

/** A Keycloak-like token endpoint on 127.0.0.1 that trades the client secret for `accessToken`. */
async function startTokenEndpoint(accessToken: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const valid = form.get('client_id') === 'runbooks' && form.get('client_secret') === CLIENT_SECRET;
      response.writeHead(valid ? 200 : 401, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify(valid ? { access_token: accessToken, expires_in: 300 } : { error: 'invalid_client' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/realms/acme/token`, server };
}

describe('no token or client secret in any history, log or CLI output (every runbook)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let tokenEndpoint: { url: string; server: Server };
  let secrets: Record<string, string>;
  const output: string[] = [];
  const cliOutputs: string[] = [];
  let env: Record<string, string>;
  const cli = async (...args: string[]) => {
    const run = await runCli(args, env, directory);
    cliOutputs.push(run.stdout, run.stderr);
    return run;
  };

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario({ transitionMs: 200 });
    tokenEndpoint = await startTokenEndpoint(scenario.token);
    secrets = { IMPLY_CLIENT_SECRET: CLIENT_SECRET, 'the access token': scenario.token };
    const credentials = {
      IMPLY_CLIENT_ID: 'runbooks',
      IMPLY_CLIENT_SECRET: CLIENT_SECRET,
      IMPLY_ORGANIZATION: 'acme',
      IMPLY_TOKEN_URL: tokenEndpoint.url,
    };
    // The worker fetches its token over OAuth, and logs at INFO: more output to scan.
    await scenario.startWorkerProcess({
      env: { IMPLY_TOKEN: '', IMPLY_RUNBOOKS_LOG_LEVEL: 'INFO', ...credentials },
      onLine: (line) => output.push(line),
    });
    env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
      IMPLY_RUNBOOKS_USER: 'carol',
      IMPLY_API_URL: scenario.emulator.apiUrl,
      ...credentials,
    };
  });
  after(async () => {
    await environment?.close();
    tokenEndpoint?.server.close();
  });

  it('runs lifecycle (plain, gated and failing), power, fleet and change runbooks, then finds nothing', async () => {
    const plain = uniqueClusterName('secrets-plain');
    const spec = path.join(directory, `${plain}.json`);
    writeFileSync(spec, JSON.stringify({ ...TUTORIAL_CLUSTER, metadata: { name: plain } }));
    // Every step of the plain runbook runs: scale, stop, delete.
    const run = await cli(
      ...['run', 'lifecycle', '--spec', spec, '--scale', 'data.tier1.replicas=2', '--stop-after', '1s'],
      ...['--delete', '--no-approval', '--poll-initial', '100ms', '--poll-max', '500ms', '--wait'],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Runbook completed: cluster .* is DELETED/);
    const status = await cli('status', `lifecycle:${plain}`);
    assert.equal(status.code, 0, status.stderr);

    const gatedName = uniqueClusterName('secrets-gated');
    const gated = await scenario.startRunbook(
      lifecycleInput(gatedName, {
        scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
        requester: 'bob',
        reason: 'secret scan',
        approval: resolveApprovalPolicy(LOCAL_DEFAULTS, { name: gatedName, tags: [] }),
      }),
    );
    // The lifecycle's scale is the cluster's change runbook, which holds the gate.
    const gate = await approvalGateOf(environment.client, gated);
    const approved = await cli('approve', gate.workflowId, '--as', 'alice', '--comment', 'ok');
    assert.equal(approved.code, 0, approved.stderr);
    const { clusterId } = await gated.result();

    const power = await environment.client.workflow.start('powerRunbook', {
      ...powerStartOptions(
        { clusterId, action: 'stop', requester: 'carol', source: 'person' },
        scenario.taskQueue,
      ),
    });
    assert.equal((await power.result()).outcome, 'done');
    const fleet = await environment.client.workflow.start('fleetRunbook', {
      ...fleetStartOptions(
        { action: 'start', selector: { clusters: [clusterId] }, requester: 'carol' },
        scenario.taskQueue,
        new Date(),
      ),
    });
    assert.deepEqual((await fleet.result()).done.length, 1);
    // A change runbook through the CLI (OAuth in the CLI too), approved by another person.
    const scaled = await cli('scale', clusterId, '--set', 'data.tier1.replicas=3', '--reason', 'secret scan');
    assert.equal(scaled.code, 0, scaled.stderr);
    const change = environment.client.workflow.getHandle(`change:${clusterId}`);
    const pending = await eventually(
      'the change waiting for approval',
      () => change.query(pendingApprovalQuery),
      {
        timeoutMs: 30_000,
      },
    );
    const approvedChange = await cli('approve', change.workflowId, '--as', 'alice');
    assert.equal(approvedChange.code, 0, approvedChange.stderr);
    assert.equal(pending.plan.requester, 'carol');
    assert.equal(((await change.result()) as { outcome: string }).outcome, 'applied');
    const duplicate = await scenario.startRunbook(lifecycleInput(gatedName));
    await assert.rejects(duplicate.result(), /Workflow execution failed/);
    const listed = await cli('clusters', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(gatedName));

    // Plain, gated and duplicate lifecycle, power, fleet, the fleet's power child and the change: all listed first.
    await eventually('every runbook of this test in visibility', async () => {
      let count = 0;
      for await (const _ of environment.client.workflow.list({
        query: `TaskQueue = '${scenario.taskQueue}'`,
      }))
        count++;
      return count >= 7 ? count : undefined;
    });
    const scan = await scanServerHistories(environment.client, secrets);
    assert.ok(scan.histories >= 7, `scanned ${scan.histories} histories`);
    assert.deepEqual(scan.findings, []);
    assert.ok(output.length > 0, 'the worker printed something');
    assert.deepEqual(scanOutput('worker output', output, secrets), []);
    assert.deepEqual(scanOutput('CLI output', cliOutputs, secrets), []);
  });

  it('finds a secret where one is, so zero findings above mean something', async () => {
    const canary = { CANARY: `canary-${randomBytes(12).toString('hex')}` };
    assert.deepEqual(
      scanText('text', `Bearer ${Buffer.from(canary.CANARY).toString('base64')}`, canary).length,
      1,
    );
    const planted = await environment.client.workflow.start('noSuchWorkflow', {
      workflowId: `secret-canary-${randomBytes(4).toString('hex')}`,
      taskQueue: `nobody-polls-${randomBytes(4).toString('hex')}`,
      args: [{ headers: { authorization: canary.CANARY } }],
    });
    try {
      const query = `WorkflowId = '${planted.workflowId}'`;
      await eventually('the canary in visibility', async () => {
        for await (const _ of environment.client.workflow.list({ query })) return true;
        return undefined;
      });
      const scan = await scanServerHistories(environment.client, canary, { query });
      assert.equal(scan.histories, 1);
      assert.equal(scan.findings.length, 1);
      assert.match(
        scan.findings[0]?.where ?? '',
        /workflowExecutionStartedEventAttributes\.input\.payloads\[0\]\.data/,
      );
      assert.ok(!JSON.stringify(scan.findings).includes(canary.CANARY), 'findings never hold the value');
    } finally {
      await planted.terminate('canary scanned');
    }
  });
});
