#!/usr/bin/env node
'use strict';
/**
 * Runs the test suite with Node's test runner.
 *   node scripts/run-tests.js          all tests (starts one Temporal dev server for the e2e tests)
 *   node scripts/run-tests.js unit     everything but test/e2e
 *   node scripts/run-tests.js <files>  just those files
 * Ends with a plain `N passed, N failed` line that CI reads (counted by scripts/tap-summary.js: a
 * cancelled or unfinished test, a failed hook and a crashed file count as failed).
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { formatSummary, summarizeTap } = require('./tap-summary.js');

const root = path.resolve(__dirname, '..');

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [path.relative(root, full)] : [];
  });
}

function selectTests(args) {
  const all = findTests(path.join(root, 'test')).sort();
  if (args[0] === 'unit') return all.filter((file) => !file.startsWith(`test${path.sep}e2e${path.sep}`));
  if (args[0] === 'e2e') return all.filter((file) => file.startsWith(`test${path.sep}e2e${path.sep}`));
  if (args.length > 0) return args;
  return all;
}

/**
 * A test file that hangs would hold the run (and CI) forever: past 15 minutes (the slowest file takes
 * about 2.5 on 2 busy cores) Node cancels it, and the summary counts it as failed. Node >= 20.11.
 */
function timeoutArgs() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 11) ? ['--test-timeout=900000'] : [];
}

async function main() {
  const files = selectTests(process.argv.slice(2));
  if (files.length === 0) {
    console.error('no test files found');
    return 1;
  }
  const env = { ...process.env };
  let temporal;
  if (files.some((file) => file.includes(`e2e${path.sep}`)) && !env.IMPLY_TEST_TEMPORAL_ADDRESS) {
    require('tsx/cjs');
    const { startDevServer } = require('../src/dev/dev-server.ts');
    const { SEARCH_ATTRIBUTE_FLAGS } = require('../src/shared/search-attributes.ts');
    temporal = await startDevServer({
      port: 0,
      headless: true,
      searchAttributes: SEARCH_ATTRIBUTE_FLAGS,
      log: () => {},
    });
    env.IMPLY_TEST_TEMPORAL_ADDRESS = temporal.address;
    console.log(`Temporal dev server for e2e tests at ${temporal.address}`);
  }
  const tapFile = path.join(os.tmpdir(), `imply-runbooks-tests-${process.pid}.tap`);
  const nodeArgs = [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    ...timeoutArgs(),
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (temporal) await temporal.stop();
  const counts = summarizeTap(fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '', code);
  fs.rmSync(tapFile, { force: true });
  for (const note of counts.notes) console.log(`counted as failed: ${note}`);
  console.log(formatSummary(counts));
  return code === 0 && counts.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    console.log(`counted as failed: the test run did not start (${error && error.message})`);
    console.log(formatSummary({ passed: 0, failed: 1, skipped: 0 }));
    process.exit(1);
  },
);
