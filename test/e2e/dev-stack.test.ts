import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../../src/shared/constants';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { findFreePort, isPortFree } from '../../src/dev/ports';
import { isAlive } from '../helpers/processes';

const BIN = path.resolve(__dirname, '../../bin/imply-runbooks.js');

interface DevRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitFor: (text: string, timeoutMs: number) => Promise<void>;
}

function runDev(args: string[]): DevRun {
  // Any free port for the approvals page unless the test picks one: 8787 may be in use on a shared machine.
  const webPort = args.includes('--web-port') ? [] : ['--web-port', '0'];
  const child = spawn(process.execPath, [BIN, 'dev', ...args, ...webPort], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (text: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        waiters.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (output.includes(text)) done();
      };
      const timer = setTimeout(
        () => done(new Error(`"${text}" not printed; output so far:\n${output}`)),
        timeoutMs,
      );
      void exited.then((code) => done(new Error(`dev exited (${code}) before "${text}":\n${output}`)));
      waiters.add(check);
      check();
    });
  return { child, output: () => output, exited, waitFor };
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

describe('imply-runbooks dev', () => {
  let dataDir: string;
  let running: DevRun | undefined;

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-stack-'));
  });
  after(async () => {
    // Only after a failed assertion is the stack still up: stop it gracefully so no child leaks.
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs Temporal, the emulator and a worker until Ctrl-C, then stops them all and exits 0', async () => {
    const [temporalPort, uiPort, emulatorPort] = (await distinctFreePorts(3)) as [number, number, number];
    running = runDev([
      '--no-demo',
      ...['--temporal-port', String(temporalPort), '--ui-port', String(uiPort)],
      ...['--emulator-port', String(emulatorPort), '--transition-ms', '0', '--data-dir', dataDir],
    ]);
    await running.waitFor('[dev] ready.', 180_000);
    assert.match(
      running.output(),
      new RegExp(
        `\\[temporal\\] ready at 127\\.0\\.0\\.1:${temporalPort} \\(UI http://127\\.0\\.0\\.1:${uiPort}\\)`,
      ),
    );

    const envFile = path.join(dataDir, 'env.sh');
    assert.equal(fs.statSync(envFile).mode & 0o777, 0o600);
    const token = /export IMPLY_TOKEN='([^']+)'/.exec(fs.readFileSync(envFile, 'utf8'))?.[1];
    assert.ok(token);
    assert.ok(!running.output().includes(token), 'the token is never printed');

    // Sign-in links only in a mode-600 file, never on the terminal; and no identity header trusted.
    const logins = path.join(dataDir, 'web-logins.txt');
    assert.equal(fs.statSync(logins).mode & 0o777, 0o600);
    const loginTokens = [...fs.readFileSync(logins, 'utf8').matchAll(/token=([^\s&]+)/g)].map(
      (match) => match[1]!,
    );
    assert.ok(loginTokens.length >= 2, 'a link per local user');
    for (const loginToken of loginTokens) {
      assert.ok(!running.output().includes(decodeURIComponent(loginToken)), 'a login token was printed');
    }
    assert.match(
      running.output(),
      /\[web\] sign in as alice or bob with the links in .*web-logins\.txt \(mode 600\)/,
    );
    const webUrl = /\[web\] approvals page ready at (\S+)\/approvals/.exec(running.output())?.[1];
    assert.ok(webUrl);
    const forged = await fetch(`${webUrl}/approvals`, { headers: { 'X-Forwarded-User': 'alice' } });
    assert.equal(forged.status, 401, 'the dev stack trusts no identity header');
    await forged.body?.cancel();

    const apiUrl = `http://127.0.0.1:${emulatorPort}/api/v1`;
    const listed = await fetch(`${apiUrl}/clusters`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(listed.status, 200);
    assert.ok(Array.isArray(await listed.json()));
    const anonymous = await fetch(`${apiUrl}/clusters`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      assert.ok(SEARCH_ATTRIBUTES.clusterId.name in (attributes.customAttributes ?? {}));
      const queue = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: DEFAULT_TASK_QUEUE },
      });
      assert.ok((queue.pollers ?? []).length > 0, 'the worker polls the task queue');
    } finally {
      await connection.close();
    }
    const workerPid = Number(/\[worker\] ready \(pid (\d+)\)/.exec(running.output())?.[1]);

    running.child.kill('SIGINT');
    assert.equal(await running.exited, 0, running.output());
    const stops = ['[worker] stopped', '[emulator] stopped', '[temporal] stopped', '[dev] all stopped'];
    const positions = stops.map((line) => running?.output().indexOf(line) ?? -1);
    assert.ok(
      positions.every((position) => position >= 0),
      running.output(),
    );
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
      'stopped in order',
    );
    for (const port of [temporalPort, uiPort, emulatorPort]) assert.equal(await isPortFree(port), true);
    assert.equal(isAlive(workerPid), false);
  });

  it('names the flag to change when a port is busy, and starts nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    try {
      const [temporalPort] = (await distinctFreePorts(1)) as [number];
      const run = runDev([
        '--no-demo',
        '--temporal-port',
        String(temporalPort),
        '--emulator-port',
        String(busyPort),
        '--data-dir',
        dataDir,
      ]);
      assert.equal(await run.exited, 1);
      assert.match(
        run.output(),
        new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is in use \\(pass --emulator-port <port>\\)`),
      );
      assert.equal(await isPortFree(temporalPort), true);

      const [emulatorPort] = (await distinctFreePorts(1)) as [number];
      const second = runDev([
        ...['--no-demo', '--temporal-port', String(busyPort), '--emulator-port', String(emulatorPort)],
        ...['--data-dir', dataDir],
      ]);
      assert.equal(await second.exited, 1);
      assert.match(second.output(), /is in use \(another Temporal\? pass --temporal-port <port>\)/);
    } finally {
      blocker.close();
    }
  });

  it('rejects a port that is not a number, naming the flag', async () => {
    const run = runDev(['--temporal-port', 'seven']);
    assert.equal(await run.exited, 2, 'a usage error');
    assert.match(run.output(), /--temporal-port <port>.*seven.*use a port from 1 to 65535/s);
  });
});
