import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findTemporalCli, findTimeSkippingTestServer, projectRoot } from '../../src/dev/cli-path';

let workspace: string;

function makeExecutable(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('finding the Temporal binaries', () => {
  let pathDir: string;
  let projectDir: string;
  let fromVariable: string;

  before(() => {
    workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-path-')));
    pathDir = path.join(workspace, 'on-path');
    projectDir = path.join(workspace, 'project');
    fromVariable = makeExecutable(path.join(workspace, 'explicit', 'temporal-custom'));
    makeExecutable(path.join(pathDir, 'temporal'));
    makeExecutable(path.join(projectDir, '.tools', 'temporal', 'bin', 'temporal'));
    makeExecutable(path.join(projectDir, '.tools', 'temporal', 'bin', 'temporal-test-server'));
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('prefers TEMPORAL_CLI_PATH over PATH and the project install', () => {
    const env = { TEMPORAL_CLI_PATH: fromVariable, PATH: pathDir };
    assert.equal(findTemporalCli(env, projectDir), fromVariable);
  });

  it('resolves a relative TEMPORAL_CLI_PATH to an absolute path', () => {
    const relative = path.relative(process.cwd(), fromVariable);
    assert.equal(findTemporalCli({ TEMPORAL_CLI_PATH: relative }, projectDir), fromVariable);
  });

  it('takes temporal from PATH, resolving symlinks, when the variable is unset', () => {
    const linkDir = path.join(workspace, 'links');
    fs.mkdirSync(linkDir, { recursive: true });
    fs.symlinkSync(path.join(pathDir, 'temporal'), path.join(linkDir, 'temporal'));
    const env = { PATH: ['', path.join(workspace, 'missing'), linkDir].join(path.delimiter) };
    assert.equal(findTemporalCli(env, projectDir), path.join(pathDir, 'temporal'));
  });

  it('skips a PATH entry that is not executable', () => {
    const plainDir = path.join(workspace, 'plain');
    fs.mkdirSync(plainDir, { recursive: true });
    fs.writeFileSync(path.join(plainDir, 'temporal'), 'not a program', { mode: 0o644 });
    const env = { PATH: [plainDir, pathDir].join(path.delimiter) };
    assert.equal(findTemporalCli(env, projectDir), path.join(pathDir, 'temporal'));
  });

  it('falls back to the project-local install', () => {
    const found = findTemporalCli({ PATH: path.join(workspace, 'missing') }, projectDir);
    assert.equal(found, path.join(projectDir, '.tools', 'temporal', 'bin', 'temporal'));
  });

  it('names all three places and the fix when nothing is found', () => {
    const empty = path.join(workspace, 'empty-project');
    assert.throws(
      () => findTemporalCli({ PATH: path.join(workspace, 'missing') }, empty),
      (error: Error) =>
        error.message.includes('TEMPORAL_CLI_PATH') &&
        error.message.includes('PATH') &&
        error.message.includes(path.join(empty, '.tools', 'temporal', 'bin', 'temporal')) &&
        error.message.includes('npm install') &&
        error.message.includes('node scripts/install-temporal.js'),
    );
  });

  it('rejects a TEMPORAL_CLI_PATH that is not an executable file instead of guessing', () => {
    const env = { TEMPORAL_CLI_PATH: path.join(workspace, 'nope'), PATH: pathDir };
    assert.throws(
      () => findTemporalCli(env, projectDir),
      /TEMPORAL_CLI_PATH=.*nope is not an executable file/,
    );
  });

  it('finds the time-skipping test server from its variable, then the project install', () => {
    const explicit = makeExecutable(path.join(workspace, 'explicit', 'test-server'));
    assert.equal(findTimeSkippingTestServer({ TEMPORAL_TEST_SERVER_PATH: explicit }, projectDir), explicit);
    assert.equal(
      findTimeSkippingTestServer({}, projectDir),
      path.join(projectDir, '.tools', 'temporal', 'bin', 'temporal-test-server'),
    );
    assert.throws(
      () => findTimeSkippingTestServer({}, path.join(workspace, 'empty-project')),
      /TEMPORAL_TEST_SERVER_PATH is not set.*npm install/s,
    );
  });

  it('finds the project root by its package.json', () => {
    const root = projectRoot();
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string };
    assert.equal(manifest.name, 'imply-runbooks');
    assert.ok(path.isAbsolute(root));
  });
});
