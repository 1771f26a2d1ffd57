import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSupervisedWorker, type WorkerProcessOptions } from '../../src/dev/worker-process';

let workspace: string;

/** A stand-in worker: each run appends to a counter file, then behaves as run number N says. */
function fakeWorker(behaviour: string): WorkerProcessOptions {
  const counter = path.join(workspace, `runs-${Math.random().toString(36).slice(2)}`);
  const script = [
    "const fs = require('node:fs');",
    `fs.appendFileSync(${JSON.stringify(counter)}, 'x');`,
    `const run = fs.readFileSync(${JSON.stringify(counter)}, 'utf8').length;`,
    behaviour,
  ].join('\n');
  return { command: process.execPath, args: ['-e', script], env: process.env, readyText: 'Worker ready' };
}

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('supervised worker process', () => {
  before(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-process-'));
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('restarts a worker that crashes after it was ready, and says so', async () => {
    const events: string[] = [];
    const worker = await startSupervisedWorker({
      ...fakeWorker(
        "console.log('Worker ready');\n" +
          'if (run === 1) setTimeout(() => process.exit(1), 50); else setInterval(() => {}, 1000);',
      ),
      initialBackoffMs: 10,
      onEvent: (message) => events.push(message),
    });
    await until(() => events.some((event) => event.startsWith('ready again')));
    assert.deepEqual(events, ['exited (exit code 1); restarting in 10 ms', 'ready again (restart 1)']);
    assert.equal(worker.restarts(), 1);
    const pid = worker.pid();
    await worker.stop();
    assert.equal(isAlive(pid), false);
    assert.equal(worker.restarts(), 1, 'no restart after stop');
  });

  it('fails the first start with the worker output when it exits before it is ready', async () => {
    await assert.rejects(
      startSupervisedWorker(
        fakeWorker("console.error('cannot reach Temporal at 127.0.0.1:1'); process.exit(2);"),
      ),
      (error: Error) => {
        assert.match(error.message, /^worker did not start: exited \(exit code 2\) before "Worker ready"/);
        assert.match(error.message, /cannot reach Temporal at 127\.0\.0\.1:1/);
        return true;
      },
    );
  });

  it('gives up on a worker that never gets ready within the time allowed', async () => {
    // Long enough for a node child to start and print on a busy machine (300 ms was not, once in CI).
    await assert.rejects(
      startSupervisedWorker({
        ...fakeWorker("console.log('bundling'); setInterval(() => {}, 1000);"),
        readyTimeoutMs: 5_000,
      }),
      /"Worker ready" not seen within 5000 ms; last output:\nbundling/,
    );
  });

  it('cancels a start in progress when its signal aborts', async () => {
    const controller = new AbortController();
    const started = startSupervisedWorker({
      ...fakeWorker("console.log('bundling'); setInterval(() => {}, 1000);"),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(started, /worker start cancelled/);
  });

  it('gives the worker its shutdown grace: SIGTERM first, so it can finish in-flight work', async () => {
    const marker = path.join(workspace, 'graceful');
    const worker = await startSupervisedWorker(
      fakeWorker(
        `process.on('SIGTERM', () => { fs.writeFileSync(${JSON.stringify(marker)}, 'done'); process.exit(0); });\n` +
          "console.log('Worker ready'); setInterval(() => {}, 1000);",
      ),
    );
    await worker.stop();
    assert.equal(fs.readFileSync(marker, 'utf8'), 'done');
  });
});
