import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { findTemporalCli } from '../../src/dev/cli-path';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { ROOT } from '../../scripts/lib/docker-files';

/**
 * The compose file's one-shot setup scripts, run as the admin-tools container runs them: the namespace
 * script with the pinned Temporal CLI against a fresh dev server (no search attributes of ours on it).
 */

const SETUP_NAMESPACE = path.join(ROOT, 'deploy/temporal/setup-namespace.sh');
const NAMESPACE = 'imply-setup-test';

function runSetup(address: string): Promise<{ code: number | null; output: string }> {
  const env = {
    PATH: `${path.dirname(findTemporalCli())}:${process.env.PATH}`,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_RETENTION: '1d',
  };
  return new Promise((resolve) => {
    const child = spawn('sh', [SETUP_NAMESPACE], { env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('Temporal setup scripts', () => {
  let server: DevServer;

  before(async () => {
    server = await startDevServer({ port: 0, headless: true, log: () => {} });
  });

  after(async () => {
    await server?.stop();
  });

  it('are valid POSIX shell', () => {
    for (const script of ['setup-namespace.sh', 'setup-schema.sh']) {
      const check = spawnSync('sh', ['-n', path.join(ROOT, 'deploy/temporal', script)], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${script}: ${check.stderr}`);
    }
  });

  it('creates the namespace with every search attribute, and a second run changes nothing', async () => {
    const first = await runSetup(server.address);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, new RegExp(`created namespace ${NAMESPACE}`));
    const second = await runSetup(server.address);
    assert.equal(second.code, 0, second.output);
    assert.doesNotMatch(second.output, /created|registered search attribute/);
    const connection = await Connection.connect({ address: server.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: NAMESPACE,
      });
      for (const key of Object.values(SEARCH_ATTRIBUTES)) {
        assert.ok(customAttributes?.[key.name] !== undefined, `${key.name} is registered in ${NAMESPACE}`);
      }
    } finally {
      await connection.close();
    }
  });
});
