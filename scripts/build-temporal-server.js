#!/usr/bin/env node
'use strict';
/**
 * Temporal's own server and its SQL schema tool, built once per version from the Go module
 * (go.temporal.io/server, what the temporalio/server and admin-tools images hold) and cached in
 * .tools/temporal-server/<version>/: bin/temporal-server, bin/temporal-sql-tool and
 * schema/postgresql/ (the schema files the admin-tools image keeps under /etc/temporal/schema).
 *
 * Plain Node, no dependencies: `.ci/run` starts it before `npm ci` so that the build (minutes from a
 * cold Go cache) runs while npm installs; the production rehearsal calls ensureTemporalServer().
 *
 *   node scripts/build-temporal-server.js            the version docker-compose.yml's temporal image names
 *   node scripts/build-temporal-server.js 1.31.0     that version
 */
const { spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MODULE = 'go.temporal.io/server';

function layout(version) {
  const base = path.join(ROOT, '.tools', 'temporal-server', version);
  const binDirectory = path.join(base, 'bin');
  return {
    version,
    binDirectory,
    server: path.join(binDirectory, 'temporal-server'),
    sqlTool: path.join(binDirectory, 'temporal-sql-tool'),
    schemaDirectory: path.join(base, 'schema'),
  };
}

function go(args, env, what) {
  // nice: the machines this runs on are shared, and a Go build takes both cores for minutes.
  const result = spawnSync('nice', ['-n', '19', 'go', ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.error)
    throw new Error(`${what}: cannot run go (${result.error.message}); install Go 1.26 or newer`);
  if (result.status !== 0) throw new Error(`${what}: go ${args.join(' ')} failed (exit ${result.status})`);
  return result.stdout.trim();
}

/**
 * The server build of `version`, from the cache or built now (minutes; prints what it does). A go.mod
 * asking for a newer Go than the installed one gets it from the Go module proxy (GOTOOLCHAIN=auto,
 * or whatever REHEARSAL_GOTOOLCHAIN sets). Idempotent: a complete build is never redone; two builds
 * of one version at once are not supported.
 */
function ensureTemporalServer(version, log) {
  const target = layout(version);
  const stamp = path.join(target.binDirectory, '..', 'complete');
  if (existsSync(stamp) && existsSync(target.server) && existsSync(target.sqlTool)) {
    return { ...target, buildSeconds: 0 };
  }
  const started = Date.now();
  const staging = `${target.binDirectory}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const env = {
    ...process.env,
    GOBIN: staging,
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: process.env.REHEARSAL_GOTOOLCHAIN ?? 'auto',
  };
  const packages = [`${MODULE}/cmd/server@v${version}`, `${MODULE}/cmd/tools/sql@v${version}`];
  log(`building Temporal server ${version} from the Go module proxy (once; a few minutes on 2 cores)`);
  go(['install', ...packages], env, `Temporal server ${version}`);
  const downloaded = go(['mod', 'download', '-json', `${MODULE}@v${version}`], env, 'module files');
  const moduleDirectory = JSON.parse(downloaded).Dir;
  rmSync(target.binDirectory, { recursive: true, force: true });
  mkdirSync(target.binDirectory, { recursive: true });
  renameSync(path.join(staging, 'server'), target.server);
  renameSync(path.join(staging, 'sql'), target.sqlTool);
  rmSync(staging, { recursive: true, force: true });
  rmSync(target.schemaDirectory, { recursive: true, force: true });
  cpSync(
    path.join(moduleDirectory, 'schema', 'postgresql'),
    path.join(target.schemaDirectory, 'postgresql'),
    {
      recursive: true,
    },
  );
  const buildSeconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(stamp, `${MODULE}@v${version} built in ${buildSeconds} s\n`);
  log(`built Temporal server ${version} in ${buildSeconds} s (cached in .tools/temporal-server/${version})`);
  return { ...target, buildSeconds };
}

/**
 * The version of the `temporalio/server:<version>` image docker-compose.yml names, read from the
 * file's text (no YAML parser before npm install; the rehearsal reads the same line through its
 * compose loader). Throws when the file names none.
 */
function composeServerVersion(file = path.join(ROOT, 'docker-compose.yml')) {
  const match = /^\s*image:\s*['"]?temporalio\/server:([0-9][^\s'"]*)/m.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file}: no image temporalio/server:<version>`);
  return match[1];
}

module.exports = { ensureTemporalServer, composeServerVersion };

if (require.main === module) {
  try {
    const version = process.argv[2] ?? composeServerVersion();
    const build = ensureTemporalServer(version, (line) => console.log(line));
    if (build.buildSeconds === 0)
      console.log(`Temporal server ${version}: already built (.tools/temporal-server)`);
  } catch (error) {
    console.error(`build-temporal-server: ${error.message}`);
    process.exit(1);
  }
}
