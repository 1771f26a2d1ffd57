import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lifecycleInputFromFlags } from '../../src/cli/lifecycle-input';
import { lifecycleScalePolicy, lifecycleScaleRequest } from '../../src/shared/lifecycle-change';
import { runCli } from '../../scripts/lib/run-cli';

const tutorial = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8'));
const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-run-'));

function specFile(name: string, body: unknown): string {
  const file = path.join(directory, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

// Nothing listens here: a command that got as far as starting a runbook would fail to connect instead.
const NO_TEMPORAL = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

describe('imply-runbooks run lifecycle, before anything starts', () => {
  it('refuses a spec with replicas below 1, naming the field path', async () => {
    const bad = structuredClone(tutorial);
    bad.spec.data.tier1.replicas = 0;
    const run = await runCli(['run', 'lifecycle', '--spec', specFile('zero.json', bad)], NO_TEMPORAL);
    assert.equal(run.code, 2, 'bad input exits 2');
    assert.match(run.stderr, /spec\.data\.tier1\.replicas: must be at least 1/);
    assert.doesNotMatch(run.stderr, /connect/i);
  });

  it('refuses an unknown field and a deep storage path that is not on S3, naming each', async () => {
    const bad = structuredClone(tutorial);
    bad.spec.replicaCount = 3;
    bad.spec.deepStorage.path = '/tmp/segments';
    const run = await runCli(['run', 'lifecycle', '--spec', specFile('fields.json', bad)], NO_TEMPORAL);
    assert.equal(run.code, 2, 'bad input exits 2');
    assert.match(run.stderr, /spec\.replicaCount/);
    assert.match(run.stderr, /spec\.deepStorage\.path: must be an S3 path/);
  });

  it('refuses a scale change that would make the spec invalid', async () => {
    const run = await runCli(
      ['run', 'lifecycle', '--spec', 'examples/tutorial-cluster.json', '--scale', 'data.tier1.replicas=0'],
      NO_TEMPORAL,
    );
    assert.equal(run.code, 2, 'bad input exits 2');
    assert.match(run.stderr, /spec\.data\.tier1\.replicas/);
  });

  it('says which file is unreadable or not JSON', async () => {
    const missing = await runCli(
      ['run', 'lifecycle', '--spec', path.join(directory, 'nope.json')],
      NO_TEMPORAL,
    );
    assert.equal(missing.code, 2, 'bad input exits 2');
    assert.match(missing.stderr, /cannot read --spec .*nope\.json: ENOENT/);
    const broken = await runCli(
      ['run', 'lifecycle', '--spec', specFile('broken.json', '{"metadata": ')],
      NO_TEMPORAL,
    );
    assert.equal(broken.code, 2, 'bad input exits 2');
    assert.match(broken.stderr, /is not valid JSON/);
  });
});

describe('lifecycle input from flags', () => {
  const spec = 'examples/tutorial-cluster.json';

  it('builds the tutorial plan: scale with rename, stop after 8h, delete after 1d', () => {
    const input = lifecycleInputFromFlags({
      spec,
      scale: ['data.tier1.replicas=2', 'metadata.name=clusters-example-scaled'],
      stopAfter: '8h',
      deleteAfter: '1d',
    });
    assert.deepEqual(input.scale, [
      { path: 'spec.data.tier1.replicas', value: 2 },
      { path: 'metadata.name', value: 'clusters-example-scaled' },
    ]);
    assert.deepEqual(input.stop, { afterMs: 8 * 3_600_000 });
    assert.deepEqual(input.delete, { afterMs: 86_400_000 });
  });

  it("resolves the cluster's change policy, and refuses what it would refuse before anything starts", () => {
    const config = specFile(
      'policies.yaml',
      [
        'policies:',
        '  - name: small',
        '    match: { name: "clusters-example" }',
        '    bounds: { data.tier1: { maxReplicas: 2 } }',
        '    protected: true',
        '',
      ].join('\n'),
    );
    const input = lifecycleInputFromFlags({ spec, config, scale: ['data.tier1.replicas=2'], as: 'dave' });
    assert.equal(input.policy?.name, 'small');
    assert.deepEqual(input.policy?.bounds, { 'data.tier1': { maxReplicas: 2 } });
    assert.equal(input.approval?.name, 'default');
    assert.throws(
      () => lifecycleInputFromFlags({ spec, config, scale: ['data.tier1.replicas=3'], as: 'dave' }),
      /--scale: policy "small": data\.tier1\.replicas 3 is above maxReplicas 2 \(bounds\.data\.tier1\.maxReplicas\)/,
    );
    assert.throws(
      () => lifecycleInputFromFlags({ spec, config, delete: true, as: 'dave' }),
      /--delete: the cluster is protected \(policy "small" says protected: true\)/,
    );
    assert.throws(
      () =>
        lifecycleInputFromFlags({
          spec,
          scale: ['awsKeyPair=other-key'],
          approval: false,
          as: 'dave',
        }),
      /--scale spec\.awsKeyPair is security-relevant: .*cannot run with --no-approval/,
    );
    // Without a person's approval the scale and exactly its paths go through; with one, the gate decides.
    const unattended = lifecycleInputFromFlags({
      spec,
      scale: ['data.tier1.replicas=2', 'metadata.name=renamed'],
      approval: false,
      as: 'dave',
    });
    assert.equal(unattended.approval, undefined);
    assert.equal(lifecycleScaleRequest(unattended).kind, 'update');
    assert.deepEqual(lifecycleScalePolicy(unattended).autoApproveUpdates, [
      'spec.data.tier1.replicas',
      'metadata.name',
    ]);
    assert.deepEqual(lifecycleScalePolicy(input).autoApprove, []);
  });

  it('refuses contradictory or malformed flags, naming them', () => {
    assert.throws(
      () => lifecycleInputFromFlags({ spec, stopAfter: '1h', stopAt: '2030-01-01T00:00:00Z' }),
      /--stop-after or --stop-at/,
    );
    assert.throws(
      () => lifecycleInputFromFlags({ spec, stopAfter: 'soon' }),
      /--stop-after "soon" is not a duration/,
    );
    assert.throws(
      () => lifecycleInputFromFlags({ spec, stopAt: '2020-01-01T00:00:00Z' }),
      /--stop-at .* is in the past/,
    );
    assert.throws(() => lifecycleInputFromFlags({ spec, stopAt: 'tomorrow' }), /is not an ISO time/);
    assert.throws(() => lifecycleInputFromFlags({ spec, delete: true, keep: true }), /not both/);
    assert.throws(
      () => lifecycleInputFromFlags({ spec, onCancel: 'explode' }),
      /--on-cancel must be one of keep, stop, delete/,
    );
    assert.throws(() => lifecycleInputFromFlags({ spec, scale: ['replicas'] }), /write path=value/);
  });
});
