import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEFAULTS, parseConfigText, resolveApprovalPolicy } from '../../src/config';
import { PROTECTION_TAG, type ChangeResult } from '../../src/shared/change';
import { submitChange } from '../../src/triggers/submit-change';
import { pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { runCli } from '../../scripts/lib/run-cli';
import {
  createE2eEnvironment,
  approvalGateOf,
  eventually,
  FAST_WAIT,
  lifecycleInput,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/**
 * Lossless PUTs end to end: the emulator in realistic mode gives clusters spec fields we do not
 * model and resets any a PUT leaves out. Each kind of change, through the real worker and CLI, must
 * leave them as they were, on the cluster and in every history version, and no plan may show them.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Values other than the realistic defaults, so a PUT that dropped one would show (reset). */
const CUSTOM = {
  zookeeper: { replicas: 5, instanceType: 'm5.xlarge', settings: { tickTimeMs: 3000 } },
  ingressCidrs: ['10.1.0.0/16', '192.168.7.0/24'],
  query: { pivotRuntimeProperties: [{ name: 'pivot.cache', value: 'on' }] },
  data: { tier1: { diskSize: 750 } },
  metadataStore: { multiAz: true },
};
const UNMODELLED = /zookeeper|ingressCidrs|pivotRuntimeProperties|diskSize|multiAz|desiredState/;

function unmodelledOf(spec: Json): Json {
  return {
    zookeeper: spec.zookeeper,
    ingressCidrs: spec.ingressCidrs,
    pivotRuntimeProperties: spec.query?.pivotRuntimeProperties,
    diskSize: spec.data?.tier1?.diskSize,
    multiAz: spec.metadataStore?.multiAz,
  };
}
const EXPECTED = unmodelledOf(CUSTOM);

function configFor(name: string): string {
  return `
approvals:
  groups: { ops: [alice, bob] }
  default: { approvers: [ops], required: 1, timeout: 1h }
policies:
  - name: lossless
    match: { name: "${name}" }
    autoApproveKinds: [scale, upgrade, restore, delete]
    cooldown: 0
`;
}

describe('lossless changes against the realistic emulator (dev server, worker, CLI)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'imply-lossless-e2e-'));

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    scenario.emulator.setMode({ realistic: true });
    await scenario.startWorker();
  });
  after(async () => {
    await environment?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const running = (uid: string) =>
    eventually(`${uid} RUNNING`, async () =>
      (await scenario.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
    );

  /** Gives the cluster the CUSTOM values (a merge patch, as another tool would) and waits for RUNNING. */
  async function customize(uid: string, extra: Json = {}): Promise<void> {
    await scenario.api.patchCluster(uid, { spec: { ...CUSTOM, ...extra } });
    await running(uid);
  }

  async function customCluster(prefix: string, extra: Json = {}): Promise<{ uid: string; name: string }> {
    const name = uniqueClusterName(prefix);
    const created = await scenario.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } });
    await running(created.metadata.uid);
    await customize(created.metadata.uid, extra);
    return { uid: created.metadata.uid, name };
  }

  /** The unmodelled fields hold CUSTOM on the cluster and in every version from `since` on. */
  async function assertKept(uid: string, since: number): Promise<number> {
    const cluster = await scenario.api.getCluster(uid);
    assert.deepEqual(unmodelledOf(cluster.spec), EXPECTED, 'on the cluster');
    assert.ok(Array.isArray((cluster.status as Json).servers), 'realistic status fields are there');
    const version = cluster.status?.resourceVersion ?? 0;
    for (let at = since; at <= version; at++) {
      const past = await scenario.api.getClusterVersion(uid, at);
      assert.deepEqual(unmodelledOf(past.spec), EXPECTED, `in history/${at}`);
    }
    return version;
  }

  function cli(name: string, ...args: string[]) {
    const configFile = path.join(directory, `${name}.yaml`);
    writeFileSync(configFile, configFor(name));
    const flags = ['--as', 'dave', '--config', configFile, '--poll-initial', '100ms', '--poll-max', '500ms'];
    return runCli([...args, ...flags, '--wait'], {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_API_URL: scenario.emulator.apiUrl,
      IMPLY_TOKEN: scenario.token,
      IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
    });
  }

  async function cliChange(name: string, ...args: string[]): Promise<void> {
    const run = await cli(name, ...args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
  }

  async function submitUpgrade(name: string, version: string): Promise<void> {
    const dependencies = {
      api: scenario.api,
      client: environment.client,
      taskQueue: scenario.taskQueue,
      config: parseConfigText(configFor(name)),
    };
    const request = {
      kind: 'upgrade' as const,
      changes: [{ path: 'spec.version', value: version }],
      requester: 'dave',
      source: 'cli',
    };
    const { ack } = await submitChange(dependencies, name, request, FAST_WAIT);
    await environment.client.workflow.getHandle(ack.runbookId).result();
  }

  const lastResult = (uid: string): Promise<ChangeResult> =>
    environment.client.workflow.getHandle(`change:${uid}`).result();

  it('lifecycle scale: the re-plan after the fields changed shows only the scale, and the PUT keeps them', async () => {
    const name = uniqueClusterName('lossless-lifecycle');
    const lifecycle = await scenario.startRunbook(
      lifecycleInput(name, {
        scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
        requester: 'bob',
        approval: resolveApprovalPolicy(LOCAL_DEFAULTS, { name, tags: [] }),
      }),
    );
    // The lifecycle's scale is the cluster's change runbook, which holds the gate.
    const handle = await approvalGateOf(environment.client, lifecycle);
    const first = (await handle.query(pendingApprovalQuery))!;
    const uid = first.plan.clusterId;
    await customize(uid);
    const approve = () =>
      runCli(['approve', handle.workflowId, '--as', 'alice'], { TEMPORAL_ADDRESS: environment.address });
    const approved = await approve();
    assert.equal(approved.code, 0, approved.stderr);
    const second = await eventually('plan v2', async () => {
      const pending = await handle.query(pendingApprovalQuery);
      return pending?.plan.version === 2 ? pending : undefined;
    });
    assert.deepEqual(second.plan.diffLines, ['spec.data.tier1.replicas: 1 → 2']);
    assert.equal((await approve()).code, 0);
    const result = await lifecycle.result();
    assert.equal(result.outcome, 'completed');
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.replicas, 2);
    await assertKept(uid, 1);
  });

  it('scale, upgrade and restore keep them, and no plan shows them', async () => {
    const { uid, name } = await customCluster('lossless-changes');
    const customized = await assertKept(uid, 1);
    const steps: Array<{ kind: string; start: () => Promise<unknown>; diff: RegExp }> = [
      {
        kind: 'scale',
        start: () => cliChange(name, 'scale', name, '--set', 'data.tier1.replicas=3'),
        diff: /^spec\.data\.tier1\.replicas: 1 → 3$/,
      },
      {
        // Through the CLI's own submit path: `upgrade --version` is taken by the program's --version today.
        kind: 'upgrade',
        start: () => submitUpgrade(name, '2022.01'),
        diff: /^spec\.version: "2021\.10" → "2022\.01"$/,
      },
      {
        kind: 'restore',
        start: () => cliChange(name, 'restore', name, '--to-version', String(customized)),
        diff: /^spec\.(data\.tier1\.replicas|version): /,
      },
    ];
    for (const step of steps) {
      await step.start();
      const result = await lastResult(uid);
      assert.deepEqual([result.kind, result.outcome], [step.kind, 'applied'], result.reason);
      const lines = result.plan?.diffLines ?? [];
      assert.ok(lines.length > 0);
      for (const line of lines) assert.match(line, step.diff);
      assert.ok(!lines.some((line) => UNMODELLED.test(line)), lines.join('; '));
      await assertKept(uid, customized);
    }
    const restored = await scenario.api.getCluster(uid);
    assert.deepEqual([restored.spec.version, restored.spec.data?.tier1?.replicas], ['2021.10', 1]);
  });

  it('rolls a failed update back from history with every field history returned', async () => {
    const { uid, name } = await customCluster('lossless-rollback');
    const customized = await assertKept(uid, 1);
    scenario.emulator.setFaults({ failNextUpdate: [uid] });
    const run = await cli(name, 'scale', name, '--set', 'data.tier1.replicas=4');
    assert.notEqual(run.code, 0, 'a rolled-back change does not exit 0');
    const result = await lastResult(uid);
    assert.equal(result.outcome, 'rolled-back');
    assert.deepEqual(result.rollback?.verified, { before: customized + 1, after: customized + 2 });
    assert.equal((await scenario.api.getCluster(uid)).spec.data?.tier1?.replicas, 1);
    await assertKept(uid, customized);
  });

  it('a delete reads the protection among unmodelled fields: refused while tagged, done once not', async () => {
    const tags = { awsTags: [{ name: PROTECTION_TAG.name, value: PROTECTION_TAG.value }] };
    const { uid, name } = await customCluster('lossless-delete', tags);
    const version = await assertKept(uid, 1);
    const refused = await cli(name, 'delete', name);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr + refused.stdout, /protected/);
    assert.equal(await assertKept(uid, 1), version, 'nothing changed');
    await customize(uid, { awsTags: [] });
    const deleted = await cli(name, 'delete', name);
    assert.equal(deleted.code, 0, deleted.stderr);
    await assert.rejects(scenario.api.getCluster(uid), /404|NotFound|not found/);
  });
});
