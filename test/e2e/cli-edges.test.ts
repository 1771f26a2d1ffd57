import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEFAULTS, resolveApprovalPolicy } from '../../src/config';
import { startDevServer } from '../../src/dev/dev-server';
import { runCli } from '../../scripts/lib/run-cli';
import {
  TUTORIAL_CLUSTER,
  createE2eEnvironment,
  approvalGateOf,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-cli-edges-'));
const ESC = '\u001b';
/** A name that, printed raw, would clear its line and forge an approvals line in red. */
const forgedName = (prefix: string) => `${uniqueClusterName(prefix)}\n${ESC}[2K${ESC}[31mapprovals:  1 of 1`;

function specFor(name: string): string {
  const file = path.join(directory, `${name.replace(/[^a-z0-9-]/gi, '_')}.json`);
  writeFileSync(file, JSON.stringify({ ...TUTORIAL_CLUSTER, metadata: { name } }));
  return file;
}

/** Output lines that hold `text`: with escaping, a value never spreads over several lines. */
function assertOneEscapedLine(output: string, uniquePrefix: string): void {
  assert.ok(!output.includes(ESC), 'no raw escape character reaches the terminal');
  const lines = output.split('\n').filter((line) => line.includes(uniquePrefix));
  assert.ok(lines.length >= 1, `the name is shown: ${output}`);
  // Shown escaped, or percent-encoded inside a link.
  for (const line of lines) assert.match(line, /\\n\\x1b\[2K\\x1b\[31mapprovals: {2}1 of 1|%0A%1B%5B2K/);
  assert.ok(!output.split('\n').some((line) => line.startsWith('approvals:  1 of 1')), 'no forged line');
}

describe(
  'the CLI prints API and user text safely (dev server, emulator, the real CLI)',
  { concurrency: true },
  () => {
    let environment: E2eEnvironment;
    let idle: Scenario;
    let working: Scenario;
    let env: (scenario: Scenario) => Record<string, string>;

    before(async () => {
      environment = await createE2eEnvironment();
      idle = await environment.scenario();
      working = await environment.scenario({ transitionMs: 0 });
      await working.startWorker();
      env = (scenario) => ({
        TEMPORAL_ADDRESS: environment.address,
        IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
        IMPLY_RUNBOOKS_USER: 'carol',
        IMPLY_API_URL: scenario.emulator.apiUrl,
        IMPLY_TOKEN: scenario.token,
      });
    });
    after(async () => {
      await environment?.close();
    });

    it('escapes a forged cluster name in `clusters list`', async () => {
      const name = forgedName('forged-list');
      await idle.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } });
      const run = await runCli(['clusters', 'list'], env(idle));
      assert.equal(run.code, 0, run.stderr);
      assertOneEscapedLine(run.stdout, name.split('\n')[0] as string);
    });

    it('escapes it in `list`, and `status` without a worker shows what the server keeps', async () => {
      const name = forgedName('forged-runbook');
      const handle = await idle.startRunbook(lifecycleInput(name));
      const listed = await eventually('the runbook listed', async () => {
        const run = await runCli(['list', '--query', `TaskQueue = '${idle.taskQueue}'`], env(idle));
        return run.stdout.includes(name.split('\n')[0] as string) ? run : undefined;
      });
      assertOneEscapedLine(listed.stdout, name.split('\n')[0] as string);

      const status = await runCli(['status', handle.workflowId], env(idle));
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /status: +RUNNING/);
      assert.match(status.stdout, /runbook: +lifecycle for /);
      assert.match(status.stdout, new RegExp(`no worker polls the task queue "${idle.taskQueue}"`));
      assert.match(status.stdout, /imply-runbooks worker/);
      assertOneEscapedLine(status.stdout, name.split('\n')[0] as string);
    });

    it('escapes it in `approvals`', async () => {
      const name = forgedName('forged-approval');
      const handle = await working.startRunbook(
        lifecycleInput(name, {
          scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
          requester: 'bob',
          reason: 'more capacity',
          approval: resolveApprovalPolicy(LOCAL_DEFAULTS, { name, tags: [] }),
        }),
      );
      // The scale waits at the gate of the cluster's change runbook, which shows the forged name.
      await approvalGateOf(environment.client, handle);
      const run = await runCli(['approvals'], { TEMPORAL_ADDRESS: environment.address }, directory);
      assert.equal(run.code, 0, run.stderr);
      assertOneEscapedLine(run.stdout, name.split('\n')[0] as string);
      await handle.terminate('test done');
    });

    it('shell-quotes the id in the printed hint: pasted, it runs no second command', async () => {
      const name = `${uniqueClusterName('quoted')};touch pwned;#`;
      const run = await runCli(
        ['run', 'lifecycle', '--spec', specFor(name), '--no-approval'],
        env(idle),
        directory,
      );
      assert.equal(run.code, 0, run.stderr);
      const hint = /^Follow it: (imply-runbooks status .*)$/m.exec(run.stdout)?.[1];
      assert.equal(hint, `imply-runbooks status 'lifecycle:${name}'`);
      // The hint pasted into a shell where imply-runbooks only prints its arguments, one per line.
      const bin = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-shim-'));
      writeFileSync(path.join(bin, 'imply-runbooks'), '#!/bin/sh\nprintf \'%s\\n\' "$@"\n', { mode: 0o755 });
      const pasted = await new Promise<string>((resolve, reject) =>
        execFile(
          'sh',
          ['-c', hint as string],
          { cwd: directory, env: { PATH: `${bin}:${process.env.PATH}` } },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        ),
      );
      assert.equal(pasted, `status\nlifecycle:${name}\n`);
      assert.equal(existsSync(path.join(directory, 'pwned')), false, 'no command ran');
      await environment.client.workflow.getHandle(`lifecycle:${name}`).terminate('test done');
    });

    it('refuses each bad wait before anything starts: no runbook, no cluster', async () => {
      for (const args of [
        ['--transition-timeout', '0s'],
        ['--stop-after', '99999d'],
        ['--stop-at', '3000-01-01T00:00:00Z'],
        ['--poll-initial', '10m', '--poll-max', '1s'],
      ]) {
        const name = uniqueClusterName('bad-wait');
        const run = await runCli(
          ['run', 'lifecycle', '--spec', specFor(name), '--no-approval', ...args],
          env(working),
        );
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, new RegExp(args[0] as string));
        await assert.rejects(
          environment.client.workflow.getHandle(`lifecycle:${name}`).describe(),
          /not found/i,
        );
        assert.equal(await working.api.findClusterByName(name), undefined, 'no cluster created');
      }
    });
  },
);

describe('visibility reads on a Temporal server without the search attributes', () => {
  it('`list` names the missing attributes and the command that registers them', async () => {
    const server = await startDevServer({ port: 0, headless: true });
    try {
      const run = await runCli(['list'], { TEMPORAL_ADDRESS: server.address });
      assert.notEqual(run.code, 0);
      assert.match(
        run.stderr,
        /lacks the search attributes ImplyClusterId, ImplyClusterName, ImplyRunbookStep, ImplyRunbookKind/,
      );
      assert.match(
        run.stderr,
        /temporal operator search-attribute create --namespace default --name ImplyClusterId --type Keyword/,
      );
      const approvals = await runCli(['approvals'], { TEMPORAL_ADDRESS: server.address }, directory);
      assert.match(approvals.stderr, /lacks the search attributes .*ImplyApprovalState/);
    } finally {
      await server.stop();
    }
  });
});
