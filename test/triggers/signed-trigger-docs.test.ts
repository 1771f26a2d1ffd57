import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Connection } from '@temporalio/client';
import { LOCAL_DEFAULTS } from '../../src/config';
import type { RunningEmulator } from '../../src/emulator/server';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { FakeTemporal } from '../web/fake-temporal';
import { startTriggerEmulator, unreachableTemporal } from './trigger-harness';

/**
 * docs/production.md's signed-trigger example, run as written (bash, openssl, curl) against a real
 * web server: the signature it builds is one the server accepts, and sending it again is a replay.
 */

const ROOT = path.resolve(__dirname, '../..');
const SECRET = 'docs-trigger-secret-0123456789abcdef';
const execFileAsync = promisify(execFile);

/** The `sh` block of the "Change triggers" section that sends a signed request. */
function documentedExample(): string {
  const docs = readFileSync(path.join(ROOT, 'docs/production.md'), 'utf8');
  const start = docs.indexOf('\n## Change triggers\n');
  assert.ok(start >= 0, 'docs/production.md has a "## Change triggers" section');
  const end = docs.indexOf('\n## ', start + 1);
  const section = docs.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const signed = blocks.filter((block) => block.includes('X-Imply-Runbooks-Signature'));
  assert.equal(signed.length, 1, 'one documented example sends a signed trigger');
  return signed[0]!;
}

function requireTool(name: string, versionFlag: string): void {
  try {
    execFileSync(name, [versionFlag], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${name} is not installed, and this test runs the documented example with the real ${name}. ` +
        `Install it (apt-get install -y ${name}) and run the test again.`,
    );
  }
}

describe('docs/production.md: the signed trigger example', () => {
  let emulator: RunningEmulator;
  let web: RunningWebServer;
  let connection: Connection;
  const logs: string[] = [];

  before(async () => {
    const started = await startTriggerEmulator('emulator-token-0123456789');
    emulator = started.emulator;
    const api = started.api;
    // Never reached: the example names a cluster the emulator does not have, so it is refused first.
    const temporal = unreachableTemporal();
    connection = temporal.connection;
    const client = temporal.client;
    web = await startWebServer({
      port: 0,
      client: new FakeTemporal(),
      namespace: 'default',
      config: LOCAL_DEFAULTS,
      log: (line: string) => logs.push(line),
      triggers: {
        api,
        client,
        taskQueue: 'unused',
        secrets: { hmacSecret: SECRET },
      },
    });
  });
  after(async () => {
    await web?.close();
    await connection?.close();
    await emulator?.close();
  });

  /** Runs the block as a person pastes it, with the two variables it reads set; returns what curl printed. */
  async function runExample(script: string): Promise<{ status?: number; refused?: string; error?: string }> {
    const { stdout } = await execFileAsync('bash', ['-o', 'pipefail', '-c', `${script}\n`], {
      env: { PATH: process.env.PATH, IMPLY_RUNBOOKS_WEB_URL: web.url, IMPLY_RUNBOOKS_TRIGGER_SECRET: SECRET },
    });
    return JSON.parse(stdout) as { status?: number; refused?: string; error?: string };
  }

  it('builds a signature the server accepts, and the same request again is refused as replayed', async () => {
    requireTool('openssl', 'version');
    requireTool('curl', '--version');
    const example = documentedExample();
    const accepted = await runExample(example);
    // Past authentication: the server looked for the cluster the example names.
    assert.equal(accepted.status, 404);
    assert.match(accepted.refused ?? '', /no cluster has the uid or name "my-cluster"/);

    // One timestamp twice, so one signature: a captured request sent again. A minute ahead (inside the
    // tolerance) so that it cannot be the first run's.
    const timestamp = String(Math.floor(Date.now() / 1000) + 60);
    const pinned = example.replace('TIMESTAMP=$(date +%s)', `TIMESTAMP=${timestamp}`);
    assert.notEqual(pinned, example, 'the example takes its timestamp from `date +%s`');
    assert.equal((await runExample(pinned)).status, 404);
    const replayed = await runExample(pinned);
    assert.match(replayed.error ?? '', /^replayed: this X-Imply-Runbooks-Signature was accepted already/);
    assert.ok(!logs.join('\n').includes(SECRET));
  });
});
