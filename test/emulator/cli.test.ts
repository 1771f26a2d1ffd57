import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { startEmulator } from '../../src/emulator/server';
import { runCli, stopCli, waitForListening } from './cli-process';
import type { Json } from './helpers';

async function get(url: string, token?: string): Promise<{ status: number; body: Json }> {
  const response = await request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.statusCode, body: await response.body.json() };
}

describe('imply-runbooks emulator (CLI)', () => {
  it('refuses bad flag values, naming the flag, with exit code 2', async () => {
    const cases = [
      [['--error-rate', '1.5'], '--error-rate'],
      [['--throttle-rate', 'lots'], '--throttle-rate'],
      [['--transition-ms', '-1'], '--transition-ms'],
      [['--latency-ms', '2.5'], '--latency-ms'],
      [['--error-status', '404'], '--error-status'],
      [['--port', '70000'], '--port'],
    ] as const;
    await Promise.all(
      cases.map(async ([flags, name]) => {
        const run = runCli(['emulator', ...flags]);
        assert.equal(await run.exited, 2, `${flags.join(' ')} (a usage error)`);
        assert.ok(run.stderr().includes(name), `${flags.join(' ')}: ${run.stderr()}`);
      }),
    );
  });

  it('says the port is in use, and exits 1, when it cannot listen', async () => {
    const occupant = await startEmulator({ port: 0 });
    try {
      const port = new URL(occupant.url).port;
      const run = runCli(['emulator', '--port', port, '--quiet']);
      assert.equal(await run.exited, 1);
      assert.match(run.stderr(), new RegExp(`port ${port} is in use.*pass --port`));
    } finally {
      await occupant.close();
    }
  });

  it('takes tokens with roles, fault flags and --db, logs requests without tokens, and stops on SIGINT', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'imply-emulator-cli-'));
    const run = runCli(
      [
        'emulator', '--port', '0', '--token', 'viewer-token:view-clusters', '--token', 'admin-token',
        '--db', join(directory, 'emulator.sqlite'), '--error-rate', '1', '--error-status', '503', '--seed', '7',
        '--admin',
      ],
      { IMPLY_TOKEN: undefined },
    ); // prettier-ignore
    try {
      const url = await waitForListening(run);
      assert.match(
        run.stdout(),
        /export IMPLY_TOKEN=admin-token\n/,
        'the token that can manage clusters is shown',
      );
      const faults = await get(`${url}/_emulator/faults`);
      assert.equal(faults.body.errorRate, 1);
      assert.equal((await get(`${url}/api/v1/clusters`, 'admin-token')).status, 503);
      await request(`${url}/_emulator/faults`, { method: 'DELETE' }).then((response) => response.body.dump());
      assert.equal((await get(`${url}/api/v1/clusters`, 'admin-token')).status, 200);
      assert.equal((await get(`${url}/api/v1/clusters`, 'viewer-token')).status, 403);
      assert.equal((await get(`${url}/_emulator/health`)).body.persistent, true);
      assert.match(run.stdout(), /GET \/api\/v1\/clusters 403 \d+ms/);
    } finally {
      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0);
      rmSync(directory, { recursive: true, force: true });
    }
    assert.match(run.stdout(), /SIGINT: stopping the emulator/);
    const lines = run
      .stdout()
      .split('\n')
      .filter((line) => /^(GET|POST) /.test(line));
    assert.ok(lines.every((line) => !line.includes('admin-token') && !line.includes('viewer-token')));
  });

  it('generates a token and prints it when given none and IMPLY_TOKEN is unset', async () => {
    const run = runCli(['emulator', '--port', '0', '--quiet'], { IMPLY_TOKEN: undefined });
    try {
      const url = await waitForListening(run);
      const token = /export IMPLY_TOKEN=(\S+)/.exec(run.stdout())?.[1];
      assert.ok(token, run.stdout());
      assert.match(run.stdout(), /generated the token above/);
      assert.match(
        run.stdout(),
        new RegExp(`curl --location --request POST '${url}/api/v1\\?pretty=true&dryRun=false'`),
      );
      assert.equal((await get(`${url}/api/v1/clusters`, token)).status, 200);
    } finally {
      assert.equal(await stopCli(run), 0);
    }
  });
});
