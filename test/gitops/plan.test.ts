import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Cluster } from '../../src/cloud-manager/schemas/cluster';
import { applyReason } from '../../src/gitops/git';
import { fieldChanges, hasChanges, planFolder, requestsFor } from '../../src/gitops/plan';
import {
  checkPolicies,
  MANAGED_BY_TAG,
  readSpecFolder,
  SpecFolderError,
  type SpecFolder,
} from '../../src/gitops/spec-folder';
import { createRequest } from '../../src/gitops/apply';
import { TUTORIAL_CLUSTER } from '../helpers/e2e';
import { runCli } from '../../scripts/lib/run-cli';

const written = (name: string, spec: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { ...TUTORIAL_CLUSTER.spec, ...spec },
});

function liveCluster(
  name: string,
  spec: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Cluster {
  return {
    metadata: { name, uid: `uid-${name}` },
    // The API's defaults and fields we do not model: never drift, since no file sets them.
    spec: {
      ...TUTORIAL_CLUSTER.spec,
      desiredState: 'RUNNING',
      commonRuntimeProperties: [],
      futureField: { a: 1 },
      ...spec,
    },
    status: { state: 'RUNNING', resourceVersion: 3 },
    ...extra,
  } as unknown as Cluster;
}

function folderOf(...clusters: Array<ReturnType<typeof written>>): SpecFolder {
  return {
    folder: 'clusters',
    owner: 'team',
    clusters: clusters.map((cluster) => ({
      file: `${cluster.metadata.name}.yaml`,
      name: cluster.metadata.name,
      request: cluster as never,
      written: cluster,
      options: {},
    })),
  };
}

describe('plan: a folder against the account', () => {
  it('compares only what a file sets: live defaults and unmodelled fields are not drift', () => {
    assert.deepEqual(fieldChanges(written('a'), liveCluster('a')), []);
    assert.deepEqual(
      fieldChanges(
        written('a', { data: { tier1: { replicas: 3, instanceType: 't2.small' } } }),
        liveCluster('a'),
      ),
      [{ path: 'spec.data.tier1.replicas', before: 1, after: 3 }],
    );
  });

  it('sends the version as an upgrade, sizes as a scale, the rest as an update, and names lists it cannot set', () => {
    const fields = [
      { path: 'spec.version', before: '2021.10', after: '2022.01' },
      { path: 'spec.data.tier1.replicas', before: 1, after: 2 },
    ];
    assert.deepEqual(
      requestsFor(fields).requests.map((request) => request.kind),
      ['upgrade', 'scale'],
    );
    const update = requestsFor([
      ...fields.slice(1),
      { path: 'spec.pivot.accessMode', before: 'PROXY', after: 'DIRECT' },
    ]);
    assert.deepEqual(
      update.requests.map((request) => request.kind),
      ['update'],
    );
    const list = requestsFor([{ path: 'spec.awsTags', before: [], after: [{ name: 'env', value: 'prod' }] }]);
    assert.deepEqual(list, { requests: [], cannotApply: ['spec.awsTags'] });
  });

  it('creates what is missing, leaves clusters it did not create alone, and prunes only its own with --prune', () => {
    const managed = {
      spec: { ...TUTORIAL_CLUSTER.spec, awsTags: [{ name: MANAGED_BY_TAG, value: 'team' }] },
    };
    const live = [
      liveCluster('kept'),
      liveCluster('hand-made'),
      liveCluster('ours-removed', managed.spec),
      liveCluster('other-team', { awsTags: [{ name: MANAGED_BY_TAG, value: 'other' }] }),
      liveCluster('new', {}, { status: { state: 'DELETED', resourceVersion: 9 } }),
    ];
    const folder = folderOf(written('kept'), written('new'));
    const actions = (prune: boolean) =>
      planFolder(folder, live, { prune })
        .map((entry) => `${entry.action} ${entry.name}`)
        .sort();
    assert.deepEqual(actions(false), [
      'create new',
      'prunable ours-removed',
      'unchanged kept',
      'unmanaged hand-made',
      'unmanaged other-team',
    ]);
    assert.deepEqual(actions(true), [
      'create new',
      'delete ours-removed',
      'unchanged kept',
      'unmanaged hand-made',
      'unmanaged other-team',
    ]);
    assert.equal(hasChanges(planFolder(folderOf(written('kept')), [liveCluster('kept')])), false);
  });

  it('tags what it creates as managed by the owner, and protected when the file asks', () => {
    const desired = { ...folderOf(written('a')).clusters[0]!, options: { protected: true } };
    const request = createRequest(desired, 'team');
    assert.deepEqual(request.spec.awsTags, [
      { name: MANAGED_BY_TAG, value: 'team' },
      { name: 'imply-runbooks/protected', value: 'true' },
    ]);
  });

  it('names the commit and author in the reason, and says when the folder has uncommitted changes', () => {
    const info = { commit: 'a'.repeat(40), author: 'Dana <d@example.com>', dirty: true };
    assert.equal(
      applyReason('clusters', info),
      'clusters as code: clusters (commit aaaaaaaaaaaa by Dana <d@example.com>, with uncommitted changes)',
    );
    assert.equal(applyReason('clusters', undefined), 'clusters as code: clusters (not in a Git repository)');
  });
});

describe('imply-runbooks.policy in a spec', () => {
  it('refuses a file whose cluster the configuration gives another approval policy, naming both', () => {
    const folder = folderOf(written('orders'), written('billing'));
    folder.clusters[0]!.options = { policy: 'production' };
    folder.clusters[1]!.options = { policy: 'default' };
    assert.throws(
      () => checkPolicies(folder, () => 'default'),
      /orders\.yaml: imply-runbooks\.policy: says production, but the configuration gives orders the approval policy default/,
    );
    assert.doesNotThrow(() =>
      checkPolicies(folder, (cluster) => (cluster.name === 'orders' ? 'production' : 'default')),
    );
  });
});

describe('readSpecFolder', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-specs-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('names every bad file and field at once, and a name used twice', () => {
    writeFileSync(path.join(directory, 'a.json'), JSON.stringify(written('same')));
    writeFileSync(
      path.join(directory, 'b.yaml'),
      `metadata: { name: same }\nspec: ${JSON.stringify(TUTORIAL_CLUSTER.spec)}\n`,
    );
    writeFileSync(path.join(directory, 'c.yaml'), 'metadata: [unclosed\n');
    writeFileSync(
      path.join(directory, 'd.json'),
      JSON.stringify({ ...written('d'), 'imply-runbooks': { enviroment: 'prod' } }),
    );
    writeFileSync(path.join(directory, 'notes.txt'), 'ignored');
    assert.throws(
      () => readSpecFolder(directory),
      (error: unknown) => {
        assert.ok(error instanceof SpecFolderError);
        const text = error.problems.join('\n');
        assert.match(text, /c\.yaml: not valid YAML/);
        assert.match(
          text,
          /d\.json: imply-runbooks\.\(block\): .*enviroment|d\.json: imply-runbooks\..*enviroment/,
        );
        assert.match(text, /b\.yaml: metadata\.name same is also the name in a\.json/);
        return true;
      },
    );
  });

  it('refuses a folder that does not exist or holds no specs', () => {
    assert.throws(() => readSpecFolder(path.join(directory, 'missing')), /cannot read the folder \(ENOENT\)/);
    const empty = mkdtempSync(path.join(directory, 'empty-'));
    assert.throws(() => readSpecFolder(empty), /no cluster specs/);
  });
});

describe('plan and drift run exit codes (the real CLI, no server)', () => {
  it('answer a usage error or a bad folder with 1, never with 2 (which means changes)', async () => {
    for (const args of [
      ['plan'],
      ['plan', '-f', '/nonexistent-folder'],
      ['drift', 'run'],
      ['plan', '-f', '.', '--bogus'],
    ]) {
      const ran = await runCli(args);
      assert.equal(ran.code, 1, `${args.join(' ')}: ${ran.stderr}`);
    }
    assert.equal((await runCli(['plan', '--help'])).code, 0);
  });

  it('refuse a repository URL with credentials in it, without echoing them, and a --path that leaves the repository', async () => {
    const secret = await runCli([
      'drift',
      'run',
      '-f',
      'https://bob:tok-3f9a7c@git.example.com/acme/clusters.git',
    ]);
    assert.equal(secret.code, 1);
    assert.match(
      secret.stderr,
      /holds credentials, which would be kept in the schedule and every run's history/,
    );
    assert.ok(!secret.stderr.includes('tok-3f9a7c'), secret.stderr);
    const outside = await runCli(['drift', 'run', '-f', 'file:///nonexistent/repo.git', '--path', '../etc']);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /--path \.\.\/etc: give a folder inside the repository/);
    const missing = await runCli([
      'drift',
      'schedule',
      '-f',
      'file:///nonexistent/repo.git',
      '--every',
      '1h',
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /cannot read the repository file:\/\/\/nonexistent\/repo\.git/);
  });
});
