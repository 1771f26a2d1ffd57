#!/usr/bin/env node
'use strict';
/**
 * Unpacks the headless Chromium that the npm package @sparticuz/chromium (a devDependency) ships in
 * its tarball into .tools/chromium, for the browser tests; nothing is downloaded. Runs as npm
 * postinstall, so it never fails `npm install`. When that build does not run here (it is x86-64
 * only) and there is no system Chromium: as root on Debian it runs apt-get install chromium, saying
 * so; otherwise it prints what to do, and the browser tests fail naming the same.
 *   node scripts/install-chromium.js [--force]
 * IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL=1 skips it (the Docker image's build does).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const {
  PROJECT_DIR,
  SYSTEM_CHROMIUMS,
  howToFix,
  isExecutableFile,
  projectChromium,
} = require('./tools/chromium.js');

const PACKAGE_DIR = path.resolve(__dirname, '..', 'node_modules', '@sparticuz', 'chromium');
const STAMP = path.join(PROJECT_DIR, 'installed.json');
const APT_COMMAND = 'apt-get update && apt-get install -y chromium';

function packageVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Returns a problem, or undefined when the Chromium at `executablePath` runs and names its version. */
function checkRuns({ executablePath, env }) {
  const result = spawnSync(executablePath, ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  if (/Chromium \d+|Chrome \d+/.test(result.stdout || '')) return undefined;
  const said = `${result.stderr || ''}${result.stdout || ''}`.trim().split('\n').slice(-2).join(' ');
  return `${executablePath} --version failed: ${result.error ? result.error.message : said || `exit ${result.status}`}`;
}

function untar(brotliFile, dir) {
  const tar = zlib.brotliDecompressSync(fs.readFileSync(brotliFile));
  const result = spawnSync('tar', ['-x', '--no-same-owner', '-C', dir], { input: tar, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      `tar could not unpack ${path.basename(brotliFile)}: ${result.error?.message ?? result.stderr}`,
    );
  }
}

/** Unpacks the package's binary, its NSS libraries and fonts into a fresh `dir` with its own fonts.conf. */
function unpack(dir, version) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, 'chromium');
  fs.writeFileSync(
    binary,
    zlib.brotliDecompressSync(fs.readFileSync(path.join(PACKAGE_DIR, 'bin', 'chromium.br'))),
  );
  fs.chmodSync(binary, 0o755);
  untar(path.join(PACKAGE_DIR, 'bin', 'al2023.tar.br'), dir);
  untar(path.join(PACKAGE_DIR, 'bin', 'fonts.tar.br'), dir);
  const fontsConf = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    `<fontconfig><dir>${path.join(dir, 'fonts')}</dir><cachedir>${path.join(dir, 'fonts-cache')}</cachedir></fontconfig>`,
  ];
  fs.writeFileSync(path.join(dir, 'fonts.conf'), `${fontsConf.join('\n')}\n`);
  fs.writeFileSync(STAMP, `${JSON.stringify({ package: `@sparticuz/chromium@${version}`, dir }, null, 2)}\n`);
}

function alreadyInstalled(version) {
  try {
    const stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    if (stamp.package !== `@sparticuz/chromium@${version}` || stamp.dir !== PROJECT_DIR) return false;
  } catch {
    return false;
  }
  return !checkRuns(projectChromium());
}

/** What to do when the project's Chromium cannot be had: use the system's, apt-get it, or say how. Pure. */
function fallbackPlan({ systemPath, isRoot, isDebian }) {
  if (systemPath) return 'system';
  return isRoot && isDebian ? 'apt' : 'explain';
}

function fallBack(problem) {
  const systemPath = SYSTEM_CHROMIUMS.find(isExecutableFile);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const plan = fallbackPlan({ systemPath, isRoot, isDebian: fs.existsSync('/etc/debian_version') });
  console.warn(`install-chromium: the project's Chromium is not usable here: ${problem}`);
  if (plan === 'system') {
    console.log(`install-chromium: the browser tests use ${systemPath}`);
    return;
  }
  if (plan === 'apt') {
    console.log(
      `install-chromium: running as root on Debian, so installing Debian's chromium: ${APT_COMMAND}`,
    );
    const result = spawnSync('sh', ['-c', APT_COMMAND], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status === 0 && isExecutableFile(SYSTEM_CHROMIUMS[0])) {
      console.log(`install-chromium: the browser tests use ${SYSTEM_CHROMIUMS[0]}`);
      return;
    }
  }
  console.warn(
    `npm install goes on; the browser tests need a Chromium: ${howToFix()}, or as root: ${APT_COMMAND}`,
  );
}

function main() {
  if (process.env.IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL === '1') {
    console.log('install-chromium: skipped (IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL=1)');
    return undefined;
  }
  const version = packageVersion();
  const shown = path.relative(process.cwd(), PROJECT_DIR) || PROJECT_DIR;
  if (!version) {
    console.log(
      'install-chromium: @sparticuz/chromium is not installed (no dev dependencies): nothing to do',
    );
    return undefined;
  }
  if (!process.argv.includes('--force') && alreadyInstalled(version)) {
    console.log(`install-chromium: Chromium from @sparticuz/chromium ${version} already in ${shown}`);
    return undefined;
  }
  unpack(PROJECT_DIR, version);
  const problem = checkRuns(projectChromium());
  if (problem) return fallBack(problem);
  console.log(`install-chromium: unpacked Chromium from @sparticuz/chromium ${version} into ${shown}`);
  return undefined;
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    fallBack(error && error.message ? error.message : String(error));
  }
}

module.exports = { checkRuns, fallbackPlan };
