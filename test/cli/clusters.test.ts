import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { describeError } from '../../src/cli/output';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { errorFromResponse } from '../../src/cloud-manager/errors';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { tutorialRequest } from '../cloud-manager/fixtures';
import { runCli, type CliRun } from '../../scripts/lib/run-cli';

const TOKEN = 'tok-cli-test-secret-42';

type Run = CliRun;
const cli = runCli;

function assertNoToken(run: Run): void {
  assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), 'the token was printed');
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('imply-runbooks clusters', () => {
  let emulator: RunningEmulator;
  let uid: string;
  let port: number;
  // Each CLI start costs about a second, so every run starts at once in `before` and each test awaits its own.
  let runs: Record<string, Promise<Run>>;

  before(async () => {
    emulator = await startEmulator({ port: 0, tokens: [{ token: TOKEN }], transitionMs: 0 });
    const client = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(TOKEN) });
    uid = (await client.createCluster(tutorialRequest())).metadata.uid;
    const scaled = tutorialRequest();
    scaled.metadata.name = 'clusters-example-scaled';
    scaled.spec.data.tier1.replicas = 2;
    await client.replaceCluster(uid, scaled, { force: true });
    port = await closedPort();
    const env = { IMPLY_TOKEN: TOKEN, IMPLY_API_URL: emulator.apiUrl };
    runs = {
      list: cli(['clusters', 'list'], env),
      listJson: cli(['clusters', 'list', '--json'], env),
      getByUid: cli(['clusters', 'get', uid, '--json'], env),
      getByName: cli(['clusters', 'get', 'clusters-example-scaled'], env),
      history: cli(['clusters', 'history', uid, '0', '--json'], env),
      diff: cli(['clusters', 'diff', uid, '0', '1'], env),
      unknown: cli(['clusters', 'get', 'no-such-cluster'], env),
      badVersion: cli(['clusters', 'diff', uid, 'zero', '1'], env),
      badToken: cli(['clusters', 'list'], { ...env, IMPLY_TOKEN: `${TOKEN}-wrong` }),
      unreachable: cli(['clusters', 'list', '--api-url', `http://127.0.0.1:${port}/api/v1`], {
        IMPLY_TOKEN: TOKEN,
      }),
      unconfigured: cli(['clusters', 'list'], { IMPLY_TOKEN: TOKEN }),
    };
    await Promise.all(Object.values(runs));
  });
  after(async () => {
    await emulator.close();
  });

  async function succeeded(name: string): Promise<Run> {
    const run = await runs[name]!;
    assert.equal(run.code, 0, run.stderr);
    assertNoToken(run);
    return run;
  }
  async function failed(name: string, code = 1): Promise<Run> {
    const run = await runs[name]!;
    assert.equal(run.code, code, `expected exit code ${code}; stdout: ${run.stdout}`);
    assertNoToken(run);
    return run;
  }

  it('lists clusters as a table', async () => {
    const run = await succeeded('list');
    const [header, row] = run.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^UID\s+NAME\s+STATE\s+RESOURCE VERSION\s+DESIRED\s+VERSION\s+DATA TIERS$/);
    const expected = `^${uid}\\s+clusters-example-scaled\\s+\\S+\\s+1\\s+STARTED\\s+2021\\.10\\s+tier1 2×t2\\.small$`;
    assert.match(row ?? '', new RegExp(expected));
  });

  it('lists clusters as JSON with --json', async () => {
    const run = await succeeded('listJson');
    const clusters = JSON.parse(run.stdout) as Array<{
      metadata: { uid: string };
      status: { resourceVersion: number };
    }>;
    assert.deepEqual(
      clusters.map((cluster) => [cluster.metadata.uid, cluster.status.resourceVersion]),
      [[uid, 1]],
    );
  });

  it('gets a cluster by uid and by name', async () => {
    assert.equal(JSON.parse((await succeeded('getByUid')).stdout).metadata.name, 'clusters-example-scaled');
    const byName = await succeeded('getByName');
    assert.match(byName.stdout, new RegExp(`^uid:\\s+${uid}$`, 'm'));
    assert.match(byName.stdout, /^resource version:\s+1$/m);
    assert.match(byName.stdout, /^data tiers:\s+tier1 2×t2\.small$/m);
  });

  it('shows a past version and the diff between versions', async () => {
    assert.equal(JSON.parse((await succeeded('history')).stdout).metadata.name, 'clusters-example');
    const diff = await succeeded('diff');
    assert.match(diff.stdout, /^metadata\.name: "clusters-example" → "clusters-example-scaled"$/m);
    assert.match(diff.stdout, /^spec\.data\.tier1\.replicas: 1 → 2$/m);
  });

  it('explains an unknown cluster, a bad version (2: bad input) and a bad token, exiting 1', async () => {
    const unknown = await failed('unknown');
    assert.match(unknown.stderr, /no-such-cluster/);
    assert.match(unknown.stderr, /imply-runbooks clusters list/);
    assert.match((await failed('badVersion', 2)).stderr, /<version-a> 'zero' is not a resource version/);
    const badToken = await failed('badToken');
    assert.match(badToken.stderr, /401/);
    assert.match(badToken.stderr, /IMPLY_TOKEN/);
  });

  it('says where it looked when the API is unreachable, and what to set when unconfigured', async () => {
    const unreachable = await failed('unreachable', 6);
    assert.match(unreachable.stderr, new RegExp(`http://127\\.0\\.0\\.1:${port}/api/v1`));
    assert.match(unreachable.stderr, /imply-runbooks emulator/);
    assert.match((await failed('unconfigured', 2)).stderr, /IMPLY_VANITY_DOMAIN/);
  });
});

describe('describeError', () => {
  it('adds what to do for a busy cluster and for throttling', () => {
    const busy = errorFromResponse(
      409,
      '{"error":{"code":"StateConflict","message":"busy"}}',
      null,
      'PUT /clusters/{id}',
    );
    assert.match(describeError(busy), /wait until `imply-runbooks clusters get <id>`/);
    const throttled = errorFromResponse(429, '{}', '3', 'GET /clusters');
    assert.match(describeError(throttled), /wait 3 s and try again/);
  });

  it('removes the given secrets from any message', () => {
    assert.equal(describeError(new Error(`bad token ${TOKEN}\nend`), [TOKEN]), 'bad token [redacted] end');
  });
});
