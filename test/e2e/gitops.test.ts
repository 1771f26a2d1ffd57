import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, runCli, type CliRun } from '../../scripts/lib/run-cli';
import { findFreePort } from '../../src/dev/ports';
import type { Cluster } from '../../src/cloud-manager/schemas/cluster';
import { MANAGED_BY_TAG } from '../../src/gitops/spec-folder';
import type { DriftResult } from '../../src/shared/drift';
import { tagsOf } from '../../src/shared/cluster-tags';
import { pendingApprovalQuery } from '../../src/workflows/approval-messages';
import {
  createE2eEnvironment,
  eventually,
  TUTORIAL_CLUSTER,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { startWebhook } from '../helpers/webhook-receiver';

/**
 * Clusters as code end to end: the real CLI plans and applies a Git folder of specs against the
 * emulator through the dev server and a real worker process; a change goes through approval; a field
 * changed by hand is found by the drift schedule; --prune deletes only what the folder created.
 */

const OWNER = 'platform-clusters';
const ROOT = path.resolve(__dirname, '../..');

function spec(name: string, replicas: number) {
  return {
    metadata: { name },
    spec: {
      ...TUTORIAL_CLUSTER.spec,
      data: { tier1: { replicas, instanceType: 't2.small' } },
      deepStorage: { path: `s3://imply-demo-bucket/${name}` },
    },
  };
}

function toYaml(value: unknown, indent = ''): string {
  // Specs are plain nested objects of scalars: small enough to write by hand as YAML.
  return Object.entries(value as Record<string, unknown>)
    .map(([key, child]) =>
      typeof child === 'object' && child !== null
        ? `${indent}${key}:\n${toYaml(child, `${indent}  `)}`
        : `${indent}${key}: ${JSON.stringify(child)}\n`,
    )
    .join('');
}

describe('clusters as code: plan, apply, drift and prune (dev server, emulator, worker process, real CLI)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let directory: string;
  let folder: string;
  let configFile: string;
  let webhook: Awaited<ReturnType<typeof startWebhook<{ text: string }>>>;
  let metricsAddress: string;

  const git = (...args: string[]) =>
    execFileSync('git', ['-C', folder, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Dana Ops',
        GIT_AUTHOR_EMAIL: 'dana@example.com',
        GIT_COMMITTER_NAME: 'Dana Ops',
        GIT_COMMITTER_EMAIL: 'dana@example.com',
      },
    }).trim();

  /** What the CLI needs to reach the dev server, the emulator and this test's worker, as carol. */
  const cliEnv = (): Record<string, string> => ({
    TEMPORAL_ADDRESS: environment.address,
    IMPLY_API_URL: scenario.emulator.apiUrl,
    IMPLY_TOKEN: scenario.token,
    IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
    IMPLY_RUNBOOKS_CONFIG: configFile,
    IMPLY_RUNBOOKS_USER: 'carol',
  });
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, cliEnv());

  const live = async (name: string): Promise<Cluster | undefined> => scenario.api.findClusterByName(name);

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-gitops-'));
    folder = path.join(directory, OWNER);
    mkdirSync(folder);
    webhook = await startWebhook('/hook');
    configFile = path.join(directory, 'imply-runbooks.config.yaml');
    writeFileSync(
      configFile,
      [
        'approvals:',
        '  groups: { ops: [alice, bob] }',
        '  default: { approvers: [ops], required: 1, timeout: 1h }',
        'notifications:',
        `  webhooks: [{ url: '${webhook.url}' }]`,
        '',
      ].join('\n'),
    );
    metricsAddress = `127.0.0.1:${await findFreePort()}`;
    await scenario.startWorkerProcess({
      env: { IMPLY_RUNBOOKS_CONFIG: configFile, IMPLY_RUNBOOKS_METRICS_ADDRESS: metricsAddress },
    });
    writeFileSync(path.join(folder, 'alpha.yaml'), toYaml(spec('gitops-alpha', 1)));
    writeFileSync(path.join(folder, 'beta.yaml'), toYaml(spec('gitops-beta', 1)));
    writeFileSync(
      path.join(folder, 'gamma.json'),
      JSON.stringify({ ...spec('gitops-gamma', 1), 'imply-runbooks': { protected: false } }, null, 2),
    );
    writeFileSync(path.join(folder, 'README.md'), 'not a spec: ignored\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'three clusters');
  });
  after(async () => {
    await webhook?.close();
    await environment?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  /** A change by hand, as someone in the console would make it: straight to the API. */
  async function setGammaReplicas(replicas: number) {
    const gamma = (await live('gitops-gamma'))!;
    const { status: _status, ...rest } = gamma;
    const data = { tier1: { replicas, instanceType: 't2.small' } };
    await scenario.api.replaceCluster(gamma.metadata.uid, { ...rest, spec: { ...rest.spec, data } } as never);
    await eventually(
      `gitops-gamma at ${replicas} replicas, RUNNING`,
      async () => {
        const now = await live('gitops-gamma');
        return now?.status?.state === 'RUNNING' && now.spec.data?.tier1?.replicas === replicas
          ? true
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
  }

  async function approveAndWait(runbookId: string) {
    const approved = await cli('approve', runbookId, '--as', 'alice');
    assert.equal(approved.code, 0, approved.stderr);
    return environment.client.workflow.getHandle(runbookId).result();
  }

  it('refuses a folder with a bad spec, naming the file and the field, and plans nothing', async () => {
    const broken = path.join(directory, 'broken');
    mkdirSync(broken);
    writeFileSync(
      path.join(broken, 'bad.yaml'),
      toYaml({ metadata: { name: 'x' }, spec: { ...spec('x', 0).spec } }),
    );
    const plan = await cli('plan', '-f', broken);
    assert.equal(plan.code, 1);
    assert.match(plan.stderr, /bad\.yaml: .*spec\.data\.tier1\.replicas/);
  });

  it('applies three clusters from nothing, and then plans nothing', async () => {
    const first = await cli('plan', '-f', folder);
    assert.equal(first.code, 2, first.stderr);
    assert.match(first.stdout, /3 to create, 0 to change, 0 to delete/);
    const json = JSON.parse((await cli('plan', '-f', folder, '--json')).stdout) as {
      entries: Array<{ action: string; name: string }>;
      git: { author: string };
    };
    assert.deepEqual(json.entries.map((entry) => `${entry.action} ${entry.name}`).sort(), [
      'create gitops-alpha',
      'create gitops-beta',
      'create gitops-gamma',
    ]);
    assert.equal(json.git.author, 'Dana Ops <dana@example.com>');

    const applied = await cli(
      'apply',
      '-f',
      folder,
      '--wait',
      '--poll-initial',
      '100ms',
      '--poll-max',
      '500ms',
    );
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    for (const name of ['gitops-alpha', 'gitops-beta', 'gitops-gamma']) {
      const cluster = await live(name);
      assert.equal(cluster?.status?.state, 'RUNNING', name);
      assert.ok(
        tagsOf(cluster!).some((tag) => tag.name === MANAGED_BY_TAG && tag.value === OWNER),
        `${name} is tagged managed`,
      );
    }
    const again = await cli('plan', '-f', folder);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /Nothing to do: the account matches the folder/);
    assert.match((await cli('apply', '-f', folder)).stdout, /Nothing to do/);
  });

  it('plans a changed replica count and applies it with approval; a second apply joins the change; the commit and author reach the approver', async () => {
    const file = path.join(folder, 'beta.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'replicas: 1\n      instanceType: "t2.small"',
        'replicas: 2\n      instanceType: "t2.small"',
      ),
    );
    git('commit', '-q', '-am', 'beta: two data nodes');
    const commit = git('rev-parse', 'HEAD');
    const plan = await cli('plan', '-f', folder);
    assert.equal(plan.code, 2);
    assert.match(plan.stdout, /~ change\s+gitops-beta \(beta\.yaml\)/);
    assert.match(plan.stdout, /spec\.data\.tier1\.replicas: 1 → 2/);
    assert.match(plan.stdout, /→ scale: spec\.data\.tier1\.replicas/);
    // Priced with the default table, as the savings report and approval plans are: one more t2.small.
    assert.match(plan.stdout, /monthly cost: USD 117\.53 → USD 134\.32 \(\+16\.79\); prices as of /);
    const planned = JSON.parse((await cli('plan', '-f', folder, '--json')).stdout) as {
      entries: Array<{ name: string; cost?: { monthlyDelta: number } }>;
    };
    assert.equal(planned.entries.find((entry) => entry.name === 'gitops-beta')?.cost?.monthlyDelta, 16.79);

    const applied = await cli('apply', '-f', folder);
    assert.equal(applied.code, 0, applied.stderr);
    const runbookId = /change gitops-beta: started (change:[0-9a-f-]+) \(waits for approval\)/.exec(
      applied.stdout,
    )?.[1];
    assert.ok(runbookId, applied.stdout);
    const joined = await cli('apply', '-f', folder);
    assert.match(joined.stdout, new RegExp(`change gitops-beta: merged ${runbookId}`));

    const pending = await environment.client.workflow.getHandle(runbookId).query(pendingApprovalQuery);
    assert.equal(pending?.plan.version, 1, 'the second apply merged into the same plan');
    assert.match(
      pending?.plan.reason ?? '',
      new RegExp(`commit ${commit.slice(0, 12)} by Dana Ops <dana@example\\.com>`),
    );
    const result = (await approveAndWait(runbookId)) as {
      outcome: string;
      approval?: { plans: Array<{ reason?: string }> };
    };
    assert.equal(result.outcome, 'applied');
    assert.match(result.approval?.plans[0]?.reason ?? '', new RegExp(commit.slice(0, 12)));
    assert.equal((await live('gitops-beta'))?.spec.data?.tier1?.replicas, 2);
    assert.equal((await cli('plan', '-f', folder)).code, 0);
  });

  it('finds a field changed by hand through the drift schedule, tells the webhook, and opens the change on request', async () => {
    await setGammaReplicas(3);

    const scheduled = await cli('drift', 'schedule', '-f', folder, '--every', '1h');
    assert.equal(scheduled.code, 0, scheduled.stderr);
    assert.match(scheduled.stdout, new RegExp(`Created schedule drift:${OWNER}: every 1h, reports drift`));
    const schedule = environment.client.schedule.getHandle(`drift:${OWNER}`);
    try {
      await schedule.trigger();
      const run = await eventually(
        'the scheduled drift check',
        async () => {
          const described = await schedule.describe();
          return described.info.recentActions.at(-1)?.action.workflow.workflowId;
        },
        { timeoutMs: 20_000 },
      );
      const result = (await environment.client.workflow.getHandle(run).result()) as DriftResult;
      assert.equal(result.outcome, 'drift');
      assert.deepEqual(
        result.report.drifted.map((cluster) => [cluster.name, cluster.action, cluster.lines.join('; ')]),
        [['gitops-gamma', 'change', 'spec.data.tier1.replicas: 3 → 1']],
      );
      assert.equal(result.report.inSync, 2);
      const notice = await eventually('the drift notice', () =>
        webhook.messages.find((entry) => entry.text.startsWith('Drift: 1 cluster')),
      );
      assert.match(notice.text, /gitops-gamma \(change\): spec\.data\.tier1\.replicas: 3 → 1/);
      await eventually('the drift counted on /metrics', async () => {
        const body = await (await fetch(`http://${metricsAddress}/metrics`)).text();
        const counted = body
          .split('\n')
          .some(
            (line) =>
              line.startsWith('imply_runbooks_drift_clusters_total{') &&
              line.includes(`owner="${OWNER}"`) &&
              line.includes('action="change"') &&
              / 1$/.test(line),
          );
        return counted ? true : undefined;
      });
    } finally {
      await schedule.delete();
    }

    // The same check from the repository itself (a URL the worker clones), not a path.
    const fromGit = await cli('drift', 'run', '-f', `file://${folder}`, '--owner', OWNER);
    assert.equal(fromGit.code, 2, fromGit.stdout + fromGit.stderr);
    assert.match(fromGit.stdout, /change gitops-gamma: spec\.data\.tier1\.replicas: 3 → 1/);

    const opened = await cli('drift', 'run', '-f', folder, '--open');
    assert.equal(opened.code, 2, opened.stdout + opened.stderr);
    const runbookId = /opened gitops-gamma: started (change:[0-9a-f-]+)/.exec(opened.stdout)?.[1];
    assert.ok(runbookId, opened.stdout);
    const pending = await environment.client.workflow.getHandle(runbookId).query(pendingApprovalQuery);
    assert.equal(pending?.plan.requester, 'drift-check');
    assert.match(pending?.plan.reason ?? '', /drift found by drift:/);
    // Someone puts the field back by hand before the approval: the change runbook plans again before
    // its PUT, finds nothing to change, and ends saying so.
    await setGammaReplicas(1);
    const result = (await approveAndWait(runbookId)) as { outcome: string; reason?: string };
    assert.equal(result.outcome, 'unchanged', JSON.stringify(result));
    assert.match(result.reason ?? '', /already has this configuration/);
    assert.equal((await live('gitops-gamma'))?.spec.data?.tier1?.replicas, 1);
    assert.equal((await cli('plan', '-f', folder)).code, 0);
  });

  it('with --prune deletes only a cluster this folder created and no longer has', async () => {
    await scenario.api.createCluster(spec('legacy-by-hand', 1) as never);
    unlinkSync(path.join(folder, 'alpha.yaml'));
    git('commit', '-q', '-am', 'alpha is retired');

    const withoutPrune = await cli('plan', '-f', folder);
    assert.equal(withoutPrune.code, 0, 'nothing is deleted without --prune');
    assert.match(withoutPrune.stdout, /! prunable\s+gitops-alpha/);
    assert.match(withoutPrune.stdout, /\? unmanaged\s+legacy-by-hand/);
    const withPrune = await cli('plan', '-f', folder, '--prune');
    assert.equal(withPrune.code, 2);
    assert.match(withPrune.stdout, /- delete\s+gitops-alpha/);
    assert.doesNotMatch(withPrune.stdout, /delete\s+legacy-by-hand/);

    const applied = await cli('apply', '-f', folder, '--prune');
    const runbookId = /delete gitops-alpha: started (change:[0-9a-f-]+)/.exec(applied.stdout)?.[1];
    assert.ok(runbookId, applied.stdout + applied.stderr);
    const result = (await approveAndWait(runbookId)) as { outcome: string };
    assert.equal(result.outcome, 'applied');
    await eventually(
      'alpha gone',
      async () => ((await live('gitops-alpha')) === undefined ? true : undefined),
      { timeoutMs: 20_000 },
    );
    assert.ok(await live('legacy-by-hand'), 'the unmanaged cluster stays');
    assert.ok(await live('gitops-beta'));
    const last = await cli('plan', '-f', folder, '--prune');
    assert.equal(last.code, 0, last.stdout + last.stderr);
  });

  it('runs the walkthrough of docs/gitops.md as written, each line with the exit code its comment gives', async () => {
    const docs = readFileSync(path.join(ROOT, 'docs/gitops.md'), 'utf8');
    const block = /<!-- walkthrough[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(block, 'docs/gitops.md has the walkthrough block');
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    assert.ok(lines.length >= 4);
    const work = path.join(directory, 'walkthrough');
    mkdirSync(path.join(work, 'clusters'), { recursive: true });
    writeFileSync(
      path.join(work, 'clusters', 'tutorial.json'),
      readFileSync(path.join(ROOT, 'examples/tutorial-cluster.json')),
    );
    const shims = path.join(directory, 'bin');
    mkdirSync(shims, { recursive: true });
    writeFileSync(
      path.join(shims, 'imply-runbooks'),
      `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
      { mode: 0o755 },
    );
    for (const line of lines) {
      const [command = '', comment = ''] = line.split(/\s+#\s*/);
      const expected = Number(/^exit (\d)/.exec(comment)?.[1] ?? 0);
      const ran = await new Promise<{ code: number; output: string }>((resolve) => {
        execFile(
          'bash',
          ['-c', command],
          {
            cwd: work,
            env: { PATH: `${shims}:${process.env.PATH}`, HOME: process.env.HOME, ...cliEnv() },
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
        );
      });
      assert.equal(ran.code, expected, `${command}\n${ran.output}`);
    }
    assert.equal((await live('clusters-example'))?.status?.state, 'RUNNING');
  });
});
