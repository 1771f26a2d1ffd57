import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { request } from 'undici';
import { runCli, stopCli, waitForListening, type CliRun } from './cli-process';
import type { Json } from './helpers';
import { expandTokenHeader, readTutorial, substitute, TUTORIAL_UID, type TutorialStep } from './tutorial';

/**
 * Replays every curl command of Imply's tutorial, with the real curl binary, against the real
 * `imply-runbooks emulator` command, and checks each documented output field by field. Transitions
 * are long (10 minutes) and finished through the admin endpoint, so every state is observed
 * deterministically.
 */

const execFileAsync = promisify(execFile);
const TOKEN = `tutorial-${randomUUID()}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const steps = new Map<number, TutorialStep>(readTutorial().map((step) => [step.number, step]));

function step(number: number): TutorialStep {
  const found = steps.get(number);
  if (!found) throw new Error(`the tutorial has no Step ${number}`);
  return found;
}

function requireTool(name: string): void {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${name} is not installed, and this test replays the tutorial with the real ${name}. ` +
        `Install it (apt-get install -y ${name}) and run the test again.`,
    );
  }
}

describe('the tutorial, replayed with curl against `imply-runbooks emulator`', () => {
  let cli: CliRun;
  let baseUrl = '';
  let uid = '';
  const values = () => ({
    baseUrl,
    uid: uid || TUTORIAL_UID,
    awsRole: 'imply-tutorial-role',
    deepStoragePath: 's3://imply-tutorial-bucket/druid',
  });

  /** Runs a tutorial command in bash, placeholders filled and the header quoted so $IMPLY_TOKEN expands. */
  async function shell(command: string, expandToken = true): Promise<string> {
    const filled = substitute(expandToken ? expandTokenHeader(command) : command, values());
    // A trailing newline, as when pasted: Step 7 ends in a line-continuation backslash.
    const { stdout } = await execFileAsync('bash', ['-o', 'pipefail', '-c', `${filled}\n`], {
      env: { ...process.env, IMPLY_TOKEN: TOKEN },
    });
    return stdout;
  }

  function documented(output: string): unknown {
    return JSON.parse(substitute(output, values()));
  }

  function assertDocumented(actual: unknown, output: string): void {
    const expected = documented(output);
    assert.deepEqual(actual, expected);
    assert.equal(JSON.stringify(actual), JSON.stringify(expected), 'keys come in the tutorial order');
  }

  async function admin(method: string, path: string): Promise<Json> {
    const response = await request(`${baseUrl}${path}`, { method: method as 'GET' });
    const text = await response.body.text();
    return text ? JSON.parse(text) : undefined;
  }

  async function lastStatus(): Promise<number> {
    const log = (await admin('GET', '/_emulator/requests')) as { status: number }[];
    return log.at(-1)!.status;
  }

  async function get(): Promise<{ status: number; body: Json }> {
    const response = await request(`${baseUrl}/api/v1/clusters/${uid}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: response.statusCode, body: await response.body.json() };
  }

  before(async () => {
    requireTool('curl');
    requireTool('jq');
    cli = runCli(
      ['emulator', '--port', '0', '--transition-ms', '600000', '--quiet', '--admin', '--tutorial-outputs'],
      {
        IMPLY_TOKEN: TOKEN,
      },
    );
    baseUrl = await waitForListening(cli);
  });

  after(async () => {
    if (cli) assert.equal(await stopCli(cli), 0, `the CLI exits cleanly on SIGTERM: ${cli.stderr()}`);
  });

  it('finds every curl command and output of the tutorial', () => {
    const counts = [...steps.values()].map((each) => [
      each.number,
      each.commands.length,
      each.outputs.length,
    ]);
    assert.deepEqual(counts, [
      [1, 0, 0],
      [2, 1, 1],
      [3, 1, 1],
      [4, 1, 0],
      [5, 1, 1],
      [6, 1, 1],
      [7, 1, 0],
    ]);
  });

  it('starts, prints the exports and never prints a token taken from the environment', () => {
    assert.match(cli.stdout(), new RegExp(`export IMPLY_API_URL=${baseUrl}/api/v1`));
    assert.ok(!cli.stdout().includes(TOKEN), 'the token is not printed');
  });

  it('validates the Step 2 body with dryRun=true, storing nothing', async () => {
    const dryRun = step(2).commands[0]!.replace('dryRun=false', 'dryRun=true');
    const output = JSON.parse(await shell(dryRun));
    uid = output.metadata.uid;
    assertDocumented(output, step(2).outputs[0]!);
    assert.equal(await lastStatus(), 200);
    assert.deepEqual(await admin('GET', '/_emulator/health').then((health) => health.clusters), 0);
    uid = '';
  });

  it('Step 2: creates the cluster and prints the documented output, pretty-printed', async () => {
    const stdout = await shell(step(2).commands[0]!);
    const output = JSON.parse(stdout);
    uid = output.metadata.uid;
    assert.match(uid, UUID);
    assertDocumented(output, step(2).outputs[0]!);
    assert.equal(stdout.trimEnd(), JSON.stringify(output, null, 2), 'pretty=true indents by two spaces');
    assert.equal(await lastStatus(), 201);
    assert.equal((await get()).body.status.state, 'CREATING');
    assert.equal((await admin('POST', `/_emulator/clusters/${uid}/finish-transition`)).state, 'RUNNING');
  });

  it('Step 3: scales up with PUT, answers 202 with the documented output, and the cluster is UPDATING', async () => {
    const output = JSON.parse(await shell(step(3).commands[0]!));
    assertDocumented(output, step(3).outputs[0]!);
    assert.equal(await lastStatus(), 202);
    const cluster = await get();
    assert.equal(cluster.body.status.state, 'UPDATING');
    assert.equal(cluster.body.spec.data.tier1.replicas, 2);
    assert.equal((await admin('POST', `/_emulator/clusters/${uid}/finish-transition`)).state, 'RUNNING');
    const forced = (await admin('GET', '/_emulator/requests?mutating=true')).at(-1);
    assert.equal(forced.query.force, 'true', 'force=true is recorded');
  });

  it('Step 4: the resource version, through jq, is 1', async () => {
    assert.equal(await shell(step(4).commands[0]!), '1\n');
  });

  it('Step 5: history/0 is the configuration the cluster was created with', async () => {
    const stdout = await shell(step(5).commands[0]!);
    assertDocumented(JSON.parse(stdout), step(5).outputs[0]!);
    assert.ok(!stdout.includes('\n'), 'without pretty=true the answer is compact');
  });

  it('Step 6: stops the cluster with a merge patch and prints the documented output', async () => {
    const output = JSON.parse(await shell(step(6).commands[0]!));
    assertDocumented(output, step(6).outputs[0]!);
    assert.equal(await lastStatus(), 202);
    const stopping = await get();
    assert.deepEqual(stopping.body.status, {
      state: 'STOPPING',
      resourceVersion: 2,
      desiredState: 'STOPPED',
    });
    assert.equal((await admin('POST', `/_emulator/clusters/${uid}/finish-transition`)).state, 'STOPPED');
  });

  it('explains a pasted command whose single quotes kept ${IMPLY_TOKEN} from expanding', async () => {
    const output = JSON.parse(await shell(step(7).commands[0]!, false));
    assert.equal(output.error.code, 'Unauthorized');
    assert.match(output.error.message, /did not expand.*double quotes/);
    assert.equal(await lastStatus(), 401);
    assert.equal((await get()).body.status.state, 'STOPPED', 'the cluster is untouched');
  });

  it('Step 7: deletes with 202; the id then answers 404 while the list still shows the cluster', async () => {
    assert.equal(await shell(step(7).commands[0]!), '');
    assert.equal(await lastStatus(), 202);
    const afterDelete = await shell(step(4).commands[0]!.replace(/ \| jq.*$/, ''));
    assert.equal(JSON.parse(afterDelete).error.code, 'NotFound');
    assert.equal(await lastStatus(), 404);
    await admin('POST', `/_emulator/clusters/${uid}/finish-transition`);
    const list = JSON.parse(
      await shell(
        step(4)
          .commands[0]!.replace(/\/clusters\/[^?']+/, '/clusters')
          .replace(/ \| jq.*$/, ''),
      ),
    );
    assert.equal(list.length, 1);
    assert.equal(list[0].metadata.uid, uid);
    assert.equal(list[0].status.state, 'DELETED');
  });
});
