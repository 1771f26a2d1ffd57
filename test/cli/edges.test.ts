import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../scripts/lib/run-cli';

const tutorial = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8'));
const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-edges-'));
const file = (name: string, text: string) => {
  const target = path.join(directory, name);
  writeFileSync(target, text);
  return target;
};
const SPEC = 'examples/tutorial-cluster.json';
// Nothing listens here: a command that got past its checks fails to connect instead.
const NO_TEMPORAL = { TEMPORAL_ADDRESS: '127.0.0.1:1', IMPLY_RUNBOOKS_USER: 'carol' };
const lifecycle = (...args: string[]) => runCli(['run', 'lifecycle', '--spec', SPEC, ...args], NO_TEMPORAL);

/** The run stopped at its own check, naming `pattern`, and never tried to reach Temporal. */
function refused(run: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /connect|unreachable|UNAVAILABLE/i);
}

describe('the CLI refuses bad input at its edges, before anything starts', { concurrency: true }, () => {
  it('refuses --config that is missing, a directory, not YAML or against the schema, naming the path', async () => {
    const broken = file('broken.yaml', 'approvals: [\n');
    const wrong = file('wrong.yaml', 'approvals:\n  policies: 7\n');
    const folder = path.join(directory, 'a-directory');
    mkdirSync(folder);
    for (const [config, problem] of [
      [path.join(directory, 'missing.yaml'), /missing\.yaml: not found \(named by --config\)/],
      [folder, /a-directory: is a directory: give the path of the YAML configuration file/],
      [broken, /broken\.yaml: line \d+, column \d+: not valid YAML/],
      [wrong, /wrong\.yaml: .*approvals\.policies: must be a list of policies/],
    ] as const) {
      refused(await lifecycle('--config', config), problem);
    }
  });

  it('refuses a wait that is zero, too long, or a first poll longer than the longest, naming flag and fix', async () => {
    const far = new Date(Date.now() + 40 * 86_400_000).toISOString();
    for (const [args, problem] of [
      [['--transition-timeout', '0s'], /--transition-timeout "0s" must be longer than zero/],
      [['--transition-timeout', '2d'], /--transition-timeout "2d" is longer than the maximum of 1d/],
      [['--stop-after', '99999d'], /--stop-after "99999d" is longer than the maximum of 30d/],
      [['--delete', '--delete-after', '31d'], /--delete-after "31d" is longer than the maximum of 30d/],
      [['--stop-at', '3000-01-01T00:00:00Z'], /--stop-at 3000-01-01T00:00:00Z is more than 30d from now/],
      [['--stop-at', far], /is more than 30d from now: give a time before/],
      [['--poll-initial', '10m', '--poll-max', '1s'], /--poll-initial 10m is longer than --poll-max 1s/],
      [['--poll-initial', '5m'], /--poll-initial 5m is longer than --poll-max 1m \(default\)/],
      [['--poll-max', '2h'], /--poll-max "2h" is longer than the maximum of 1h/],
    ] as const) {
      refused(await lifecycle(...args), problem);
    }
  });

  it('checks --as and --reason as the trigger endpoint does', async () => {
    refused(await lifecycle('--as', 'bad user!'), /--as: "bad user!" is not a user name: letters, digits/);
    refused(
      await lifecycle('--reason', 'x'.repeat(100_000)),
      /--reason: at most 500 characters \(got 100000\)/,
    );
    refused(await lifecycle('--reason', 'fine\n\u001b[31mforged'), /--reason: holds a control character/);
    const approve = await runCli(['approve', 'lifecycle:x', '--as', 'eve;rm'], NO_TEMPORAL);
    refused(approve, /--as: "eve;rm" is not a user name/);
    const power = await runCli(
      ['stop', 'some-cluster', '--as', 'ok', '--reason', 'y'.repeat(501)],
      NO_TEMPORAL,
    );
    refused(power, /--reason: at most 500 characters \(got 501\)/);
  });

  it('refuses a cluster name with control characters, in the spec and by name', async () => {
    const spec = structuredClone(tutorial);
    spec.metadata.name = 'evil\n\u001b[2Kapprovals: 1 of 1';
    const run = await runCli(
      ['run', 'lifecycle', '--spec', file('evil.json', JSON.stringify(spec))],
      NO_TEMPORAL,
    );
    refused(
      run,
      /metadata\.name in --spec .*evil\.json "evil\\n\\x1b\[2Kapprovals: 1 of 1" holds the control character \\n/,
    );
    assert.ok(!run.stderr.includes('\u001b'), 'the escape sequence is not printed raw');
    refused(await lifecycle('--scale', 'metadata.name=a\u0007b'), /metadata\.name after --scale .* \\x07/);
    refused(
      await runCli(['stop', 'bad\u001bname'], NO_TEMPORAL),
      /the cluster "bad\\x1bname" holds the control character/,
    );
  });

  it('types --scale values by the schema: a version stays text, replicas take whole numbers', async () => {
    // Past every check, the run fails only at connecting: the version was taken as text.
    const version = await lifecycle('--no-approval', '--scale', 'version=2022.01');
    assert.notEqual(version.code, 0);
    assert.doesNotMatch(version.stderr, /version/);
    refused(
      await lifecycle('--scale', 'data.tier1.replicas=2.5'),
      /spec\.data\.tier1\.replicas takes a whole number, not "2\.5"/,
    );
    refused(
      await lifecycle('--scale', 'data.tier1.replicas=two'),
      /spec\.data\.tier1\.replicas takes a whole number, not "two"/,
    );
  });

  it('prints the fault suite usage for --help', async () => {
    const run = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('npx', ['tsx', 'scripts/fault-suite.ts', '--help'], (error, stdout) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      ),
    );
    assert.equal(run.code, 0);
    assert.match(run.stdout, /usage: npm run test:faults -- \[--reduced\] \[--case <text>\]/);
    assert.doesNotMatch(run.stdout, /starting a Temporal dev server/);
  });
});
