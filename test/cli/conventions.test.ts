import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_CODES, exitCodeOfEnd } from '../../src/cli/exit-codes';
import type { EndedResult } from '../../src/cli/exit-codes';
import type { RunbookEnd } from '../../src/cli/runbook-end';
import { formatStep } from '../../src/cli/progress-printer';
import { runCli } from '../../scripts/lib/run-cli';

const ROOT = path.resolve(__dirname, '../..');
const NO_TEMPORAL = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
const completed = (result: EndedResult & Record<string, unknown>): RunbookEnd<EndedResult> => ({
  outcome: 'completed',
  result,
});

describe('the command line conventions people expect', () => {
  it('prints its version with --version and -V, exit 0', async () => {
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), version);
    }
    // A subcommand's own --version (upgrade) is its own, not the program's.
    const upgrade = await runCli(
      ['upgrade', 'some-cluster', '--version', '2022.01', '--as', 'alice'],
      NO_TEMPORAL,
    );
    assert.doesNotMatch(upgrade.stderr, /required option '--version/);
    assert.notEqual(upgrade.stdout.trim(), version);
  });

  it('documents the exit codes in --help and uses 2 for usage errors', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /Exit codes:[^]*2 +bad input, usage or policy[^]*6 +Temporal or the Cloud Manager API unreachable/,
    );
    assert.equal((await runCli(['--no-such-flag'])).code, EXIT_CODES.usage);
    assert.equal((await runCli(['stop'])).code, EXIT_CODES.usage, 'a missing argument');
    const badWait = await runCli(['fleet', 'run', '--action', 'pause', '--select', 'env=test'], NO_TEMPORAL);
    assert.equal(badWait.code, EXIT_CODES.usage, badWait.stderr);
  });

  it('exits 6 when Temporal cannot be reached, naming it', async () => {
    const run = await runCli(['list'], NO_TEMPORAL);
    assert.equal(run.code, EXIT_CODES.unreachable, run.stderr);
    assert.match(run.stderr, /cannot connect to Temporal at 127\.0\.0\.1:1/);
  });

  it('maps how a followed runbook ended to its exit code', () => {
    assert.equal(exitCodeOfEnd(completed({ outcome: 'completed' })), 0);
    assert.equal(exitCodeOfEnd(completed({ outcome: 'applied' })), 0);
    assert.equal(exitCodeOfEnd(completed({ outcome: 'unchanged' })), 0);
    assert.equal(exitCodeOfEnd(completed({ outcome: 'rolled-back' })), 1);
    assert.equal(exitCodeOfEnd(completed({ outcome: 'rejected', reason: 'alice: not now' })), 3);
    assert.equal(exitCodeOfEnd(completed({ outcome: 'rejected', reason: 'timed-out: no decision' })), 4);
    assert.equal(exitCodeOfEnd(completed({ outcome: 'refused', reason: 'bounds' })), 2);
    assert.equal(exitCodeOfEnd(completed({ done: ['a'], failed: [{ cluster: 'b', reason: 'x' }] })), 1);
    assert.equal(exitCodeOfEnd(completed({ done: ['a'], failed: [] })), 0);
    assert.equal(exitCodeOfEnd({ outcome: 'cancelled', message: 'cancelled' }), 5);
    assert.equal(exitCodeOfEnd({ outcome: 'terminated', message: 'x' }), 5);
    assert.equal(exitCodeOfEnd({ outcome: 'timed out', message: 'x' }), 4);
    assert.equal(
      exitCodeOfEnd({
        outcome: 'failed',
        message: 'DeadlineExceeded: cluster x did not reach RUNNING within 1h',
      }),
      4,
    );
    assert.equal(exitCodeOfEnd({ outcome: 'failed', message: 'ClusterFailed: FAILED' }), 1);
  });

  it('completes commands, subcommands and flags in bash, from the command tree', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _imply_runbooks; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    assert.deepEqual(complete(['imply-runbooks', 'sched']).split(' '), ['schedule']);
    assert.ok(complete(['imply-runbooks', 'schedule', '']).split(' ').includes('preview'));
    assert.ok(complete(['imply-runbooks', 'schedule', 'create', '--enf']).includes('--enforce-off-hours'));
    assert.ok(complete(['imply-runbooks', 'stop', 'my-cluster', '--w']).includes('--wait'));
    const zsh = (await runCli(['completion', 'zsh'])).stdout;
    assert.match(zsh, /bashcompinit/);
    const fish = (await runCli(['completion', 'fish'])).stdout;
    assert.match(fish, /complete -c imply-runbooks -n '__fish_use_subcommand' -a 'schedule'/);
    assert.match(fish, /__fish_seen_subcommand_from fleet; and __fish_seen_subcommand_from run' -l dry-run/);
    const bad = await runCli(['completion', 'tcsh']);
    assert.equal(bad.code, EXIT_CODES.usage);
    assert.match(bad.stderr, /give bash, zsh or fish/);
  });

  it('sets TEMPORAL_PROFILE from --profile on any command, before or after it', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'imply-profile-'));
    const file = path.join(directory, 'temporal.toml');
    writeFileSync(file, '[profile.default]\naddress = "127.0.0.1:1"\n');
    try {
      for (const args of [
        ['--profile', 'nowhere', 'list'],
        ['list', '--profile', 'nowhere'],
      ]) {
        const run = await runCli(args, { TEMPORAL_CONFIG_FILE: file });
        assert.equal(run.code, EXIT_CODES.usage, run.stderr);
        assert.match(run.stderr, /TEMPORAL_PROFILE=nowhere\): Profile 'nowhere' not found/, args.join(' '));
      }
      const fine = await runCli(['--profile', 'default', 'list'], { TEMPORAL_CONFIG_FILE: file });
      assert.equal(fine.code, EXIT_CODES.unreachable, 'the default profile points at 127.0.0.1:1');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('prints live progress as plain lines: no colour or cursor codes, for NO_COLOR, pipes and CI logs', () => {
    const line = formatStep(
      { name: 'wait', title: 'Wait until RUNNING', status: 'completed', detail: 'RUNNING at 1' },
      2,
      10,
    );
    assert.equal(line, '[3/10] ✔ Wait until RUNNING: RUNNING at 1');
    assert.ok(!line.includes('\u001b'), 'no escape codes');
  });
});
