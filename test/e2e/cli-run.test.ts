import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../scripts/lib/run-cli';
import {
  TUTORIAL_CLUSTER,
  createE2eEnvironment,
  eventually,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-cli-run-'));

function specFor(name: string): string {
  const file = path.join(directory, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...TUTORIAL_CLUSTER, metadata: { name } }));
  return file;
}

describe('imply-runbooks run lifecycle, through the real CLI', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let env: Record<string, string>;

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario({ transitionMs: 200 });
    await scenario.startWorker();
    env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
      IMPLY_RUNBOOKS_USER: 'carol',
    };
  });
  after(async () => {
    await environment?.close();
  });

  it('follows every step live with --wait and ends with the cluster deleted', async () => {
    const name = uniqueClusterName('cli-run');
    const run = await runCli(
      [
        'run',
        'lifecycle',
        '--spec',
        specFor(name),
        '--scale',
        'data.tier1.replicas=2',
        '--stop-after',
        '1s',
        '--delete',
        '--no-approval',
        '--poll-initial',
        '100ms',
        '--poll-max',
        '500ms',
        '--wait',
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`Started runbook lifecycle:${name}`));
    for (const title of [
      'Validate the spec',
      'Create the cluster',
      'Wait until RUNNING',
      'Scale: the change runbook plans, approves, applies and verifies',
      'Stop on schedule',
      'Delete and confirm',
    ]) {
      assert.match(run.stdout, new RegExp(`\\[\\d+/\\d+\\] ✔ ${title}`), `no completed line for "${title}"`);
    }
    assert.match(run.stdout, /applied by change:\S+, resource version 0 → 1, verified/);
    assert.match(run.stdout, /Runbook completed: cluster .* is DELETED/);

    // The id answers 404 from the start of the delete; the list shows DELETED once the transition ends.
    const created = await eventually('the cluster listed as DELETED', async () => {
      const clusters = (await scenario.api.listClusters()).filter(
        (cluster) => cluster.metadata.name === name,
      );
      return clusters.every((cluster) => cluster.status?.state === 'DELETED') ? clusters : undefined;
    });
    assert.equal(created.length, 1);

    const status = await runCli(['status', `lifecycle:${name}`], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /status:\s+COMPLETED/);
    const listed = await eventually('the runbook in `list`', async () => {
      const list = await runCli(['list', '--json', '--query', `ImplyClusterName = '${name}'`], env);
      const rows = JSON.parse(list.stdout) as Array<{ runbookId: string; status: string }>;
      return rows.length > 0 ? rows : undefined;
    });
    assert.equal(listed[0]?.runbookId, `lifecycle:${name}`);
  });

  it('prints the id and how to follow it without --wait, and refuses a second runbook for the same name', async () => {
    const name = uniqueClusterName('cli-twice');
    const first = await runCli(
      ['run', 'lifecycle', '--spec', specFor(name), '--stop-after', '1h', '--no-approval'],
      env,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`Follow it: imply-runbooks status lifecycle:${name}`));
    const second = await runCli(['run', 'lifecycle', '--spec', specFor(name), '--no-approval'], env);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`already running \\(lifecycle:${name}\\)`));
    const cancel = await runCli(['cancel', `lifecycle:${name}`], env);
    assert.equal(cancel.code, 0, cancel.stderr);
  });
});
