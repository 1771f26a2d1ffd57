import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { jwtLifetime } from '../../src/doctor/checks';
import { seedStore } from '../../src/emulator/seed';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { ClusterStore } from '../../src/emulator/store';
import { runCli } from '../../scripts/lib/run-cli';
import { eventually, TUTORIAL_CLUSTER } from '../helpers/e2e';

const TOKEN = 'doctor-token-0123456789abcdef';

describe('imply-runbooks doctor (real CLI, emulator over HTTP)', () => {
  let plain: RunningEmulator;
  let realistic: RunningEmulator;
  const directory = mkdtempSync(path.join(tmpdir(), 'imply-doctor-'));

  async function seed(emulator: RunningEmulator, name: string): Promise<string> {
    const api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(TOKEN) });
    const spec = { ...TUTORIAL_CLUSTER.spec, awsTags: [{ name: 'owner', value: 'dana@example.com' }] };
    const uid = (await api.createCluster({ metadata: { name }, spec })).metadata.uid;
    await eventually('RUNNING', async () =>
      (await api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
    );
    return uid;
  }

  before(async () => {
    plain = await startEmulator({ tokens: [{ token: TOKEN }], transitionMs: 0 });
    realistic = await startEmulator({ tokens: [{ token: TOKEN }], transitionMs: 0, realistic: true });
    await seed(plain, 'acme-analytics-prod');
    await seed(realistic, 'acme-analytics-prod');
  });
  after(async () => {
    await plain?.close();
    await realistic?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const env = (emulator: RunningEmulator, token = TOKEN) => ({
    IMPLY_API_URL: emulator.apiUrl,
    IMPLY_TOKEN: token,
  });

  it('passes on an account like ours, printing each check with its latency, and changes nothing', async () => {
    plain.clearRequestLog();
    const run = await runCli(['doctor', '--dry-run-put'], env(plain));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /CHECK +RESULT +MS +DETAIL/);
    assert.match(run.stdout, /token +ok +\d+ +static token \(IMPLY_TOKEN\): lifetime unknown/);
    assert.match(
      run.stdout,
      /GET cluster acme-analytics-prod +ok +\d+ +RUNNING at resource version 0; a PUT built from it keeps every field/,
    );
    assert.match(run.stdout, /PUT \?dryRun=true of acme-analytics-prod, unchanged +ok/);
    assert.match(run.stdout, /All checks passed\./);
    const log = plain.requestLog();
    assert.ok(log.length >= 4);
    for (const entry of log) {
      assert.ok(
        entry.method === 'GET' || (entry.method === 'PUT' && entry.query.dryRun === 'true'),
        JSON.stringify(entry),
      );
    }
    assert.ok(!run.stdout.includes(TOKEN));
  });

  it('reports the fields it met that we do not model, and that a PUT keeps them (realistic mode)', async () => {
    const run = await runCli(['doctor', '--json'], env(realistic));
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      checks: Array<{ name: string; ok: boolean; unmodelled?: string[] }>;
    };
    assert.equal(report.ok, true);
    const cluster = report.checks.find((check) => check.name.startsWith('GET cluster'));
    assert.ok(cluster && (cluster.unmodelled ?? []).length > 0, JSON.stringify(cluster));
    assert.ok(cluster.ok, 'the round trip keeps every field');
  });

  it('fails the token check naming its source, exit 1, without crashing', async () => {
    const run = await runCli(['doctor'], env(plain, 'not-the-token-at-all'));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /GET \/clusters +FAILED .*401/);
    assert.match(run.stdout, /Some checks failed/);
  });

  it('records the answers redacted: no token, ids, names, tags, paths, roles or account names', async () => {
    const out = path.join(directory, 'record');
    const run = await runCli(['doctor', '--record', out], env(realistic));
    assert.equal(run.code, 0, run.stderr);
    const files = readdirSync(out);
    assert.ok(
      files.includes('list.json') && files.some((file) => file.startsWith('cluster-cluster-1')),
      files.join(),
    );
    const text = files.map((file) => readFileSync(path.join(out, file), 'utf8')).join('\n');
    const uid = (
      await new CloudManagerClient({
        baseUrl: realistic.apiUrl,
        auth: new StaticTokenProvider(TOKEN),
      }).listClusters()
    )[0]!.metadata.uid;
    for (const secret of [
      TOKEN,
      uid,
      'acme-analytics-prod',
      'dana@example.com',
      TUTORIAL_CLUSTER.spec.deepStorage.path,
      String(TUTORIAL_CLUSTER.spec.awsInstanceRole),
      '127.0.0.1',
    ]) {
      assert.ok(!text.includes(secret), `${secret} was recorded`);
    }
    assert.match(text, /"uid": "cluster-1"/);
    assert.match(text, /"replicas": 1/, 'the shape and numbers are kept');
  });

  it('seeds an emulator from a recording (emulator --seed-from), which doctor then reads as recorded', async () => {
    const out = path.join(directory, 'seed');
    const recorded = await runCli(['doctor', '--record', out], env(realistic));
    assert.equal(recorded.code, 0, recorded.stderr);
    // A state nobody documented, as a real account might show.
    const file = path.join(out, 'cluster-cluster-1.json');
    const answer = JSON.parse(readFileSync(file, 'utf8')) as { status: { state: string } };
    answer.status.state = 'PROVISIONING';
    writeFileSync(file, JSON.stringify(answer));
    const seeded = await startEmulator({ tokens: [{ token: TOKEN }], realistic: true, seedFrom: out });
    try {
      const run = await runCli(['doctor', '--json'], env(seeded));
      const report = JSON.parse(run.stdout) as {
        checks: Array<{ name: string; ok: boolean; detail: string; unmodelled?: string[] }>;
      };
      const cluster = report.checks.find((check) => check.name === 'GET cluster name-1');
      assert.ok(cluster, run.stdout);
      assert.ok(cluster.unmodelled?.includes('status.state=PROVISIONING'), JSON.stringify(cluster));
      assert.ok(
        cluster.unmodelled?.some((field) => field.startsWith('spec.')),
        'the unmodelled spec fields came along',
      );
      assert.match(cluster.detail, /a PUT built from it keeps every field/);
    } finally {
      await seeded.close();
    }
    assert.throws(() => seedStore(new ClusterStore(), path.join(directory, 'none')), /--seed .*none: ENOENT/);
  });

  it('reads the lifetime of a JWT without verifying it', () => {
    const claims = Buffer.from(
      JSON.stringify({ iat: 1000, exp: Math.floor(Date.now() / 1000) + 300 }),
    ).toString('base64url');
    assert.match(jwtLifetime(`x.${claims}.y`) ?? '', /^expires in (29\d|300) s, \d+ s in all$/);
    assert.equal(jwtLifetime('plain-token'), undefined);
  });
});
