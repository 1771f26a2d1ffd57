import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_FLAGS } from '../../src/shared/search-attributes';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { isPortFree } from '../../src/dev/ports';
import { isAlive } from '../helpers/processes';

let workspace: string;

function fakeCli(name: string, script: string): string {
  const file = path.join(workspace, name);
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

async function withConnection<T>(server: DevServer, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

describe('Temporal dev server', () => {
  before(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-server-'));
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('starts on a free port with the namespace, search attributes and web UI, and stops completely', async () => {
    const server = await startDevServer({
      port: 0,
      namespace: 'imply-test',
      searchAttributes: SEARCH_ATTRIBUTE_FLAGS,
      dbFile: path.join(workspace, 'first.sqlite'),
    });
    const port = Number(server.address.split(':')[1]);
    assert.notEqual(port, 7233);
    assert.equal(server.namespace, 'imply-test');
    const listed = await withConnection(server, (connection) =>
      connection.operatorService.listSearchAttributes({ namespace: 'imply-test' }),
    );
    for (const key of Object.values(SEARCH_ATTRIBUTES))
      assert.ok(key.name in (listed.customAttributes ?? {}));
    assert.ok(server.uiUrl);
    const page = await fetch(server.uiUrl);
    assert.equal(page.status, 200);
    await page.body?.cancel();

    await server.stop();
    assert.equal(isAlive(server.pid), false);
    assert.equal(await isPortFree(port), true);
    await server.stop();
  });

  it('keeps workflows and search attributes across a stop and a start on the same SQLite file', async () => {
    const dbFile = path.join(workspace, 'persist.sqlite');
    const options = { port: 0, headless: true, searchAttributes: SEARCH_ATTRIBUTE_FLAGS, dbFile };
    const first = await startDevServer(options);
    await withConnection(first, (connection) =>
      new Client({ connection }).workflow.start('runbookThatNoWorkerRuns', {
        taskQueue: 'nobody-polls-this',
        workflowId: 'persisted-runbook',
        typedSearchAttributes: new TypedSearchAttributes([
          { key: SEARCH_ATTRIBUTES.clusterId, value: 'c-42' },
        ]),
      }),
    );
    await first.stop();

    const second = await startDevServer(options);
    try {
      const description = await withConnection(second, (connection) =>
        new Client({ connection }).workflow.getHandle('persisted-runbook').describe(),
      );
      assert.equal(description.status.name, 'RUNNING');
      assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterId), 'c-42');
    } finally {
      await second.stop();
    }
  });

  it('refuses a busy port with a message that names it and the way out', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        startDevServer({ port, headless: true, portHints: { port: '--temporal-port <port>' } }),
        new RegExp(
          `port ${port} on 127\\.0\\.0\\.1 is in use \\(another Temporal\\? pass --temporal-port <port>\\)`,
        ),
      );
    } finally {
      blocker.close();
    }
  });

  it('reports the last output lines of a server that exits during start', async () => {
    const cliPath = fakeCli(
      'crashing-temporal',
      'echo "starting up"\necho "fatal: cannot open the database" >&2\nexit 3',
    );
    await assert.rejects(startDevServer({ cliPath, port: 0, headless: true }), (error: Error) => {
      assert.match(error.message, /Temporal dev server exited early \(exit code 3\)/);
      assert.match(error.message, /starting up\nfatal: cannot open the database/);
      return true;
    });
  });

  it('gives up after startTimeoutMs and stops a server that never answers', async () => {
    const pidFile = path.join(workspace, 'silent.pid');
    const cliPath = fakeCli('silent-temporal', `echo $$ > ${pidFile}\nexec sleep 300`);
    await assert.rejects(
      startDevServer({ cliPath, port: 0, headless: true, startTimeoutMs: 1_000 }),
      /did not become ready at 127\.0\.0\.1:\d+ in time/,
    );
    assert.equal(isAlive(Number(fs.readFileSync(pidFile, 'utf8'))), false);
  });

  it('names the bad option before starting anything', async () => {
    await assert.rejects(
      startDevServer({ searchAttributes: ['ImplyClusterId'] }),
      /searchAttributes entry "ImplyClusterId"/,
    );
    await assert.rejects(startDevServer({ port: 70_000 }), /port must be a whole number from 0 to 65535/);
    await assert.rejects(startDevServer({ logLevel: 'loud' }), /logLevel "loud" is not one of/);
  });

  it('does not outlive the process that started it', () => {
    const script = [
      "require('tsx/cjs');",
      `const { startDevServer } = require(${JSON.stringify(path.resolve(__dirname, '../../src/dev/dev-server.ts'))});`,
      'startDevServer({ port: 0, headless: true }).then((server) => {',
      '  console.log(server.pid);',
      '  process.exit(0);',
      '});',
    ].join('\n');
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    const pid = Number(result.stdout.trim());
    assert.ok(pid > 0);
    assert.equal(isAlive(pid), false);
  });
});
