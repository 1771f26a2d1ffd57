import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHealthServer, type RunningHealthServer } from '../../src/observability/health-server';
import { findFreePort } from '../../src/dev/ports';
import { ROOT } from '../../scripts/lib/docker-files';

/** scripts/healthcheck.js, the image's HEALTHCHECK, against a real health endpoint. */

function healthcheck(url: string | undefined): Promise<{ code: number; stderr: string }> {
  const env = { PATH: process.env.PATH, ...(url ? { IMPLY_RUNBOOKS_HEALTHCHECK_URL: url } : {}) };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts/healthcheck.js')],
      { env },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
    );
  });
}

describe('the image health check script', () => {
  let server: RunningHealthServer;
  let healthy = true;

  before(async () => {
    server = await startHealthServer({
      address: '127.0.0.1:0',
      check: () => ({ healthy, state: 'RUNNING' }),
    });
  });

  after(async () => {
    await server.close();
  });

  it('exits 0 while the endpoint answers 200, and 1 naming the status otherwise', async () => {
    assert.deepEqual(await healthcheck(`${server.url}/healthz`), { code: 0, stderr: '' });
    healthy = false;
    const unhealthy = await healthcheck(`${server.url}/healthz`);
    assert.equal(unhealthy.code, 1);
    assert.match(unhealthy.stderr, /answered 503/);
  });

  it('exits 1 when nothing listens, and 0 when there is nothing to check (a CLI container)', async () => {
    const closed = await healthcheck(`http://127.0.0.1:${await findFreePort()}/healthz`);
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /ECONNREFUSED/);
    assert.equal((await healthcheck(undefined)).code, 0);
  });
});
