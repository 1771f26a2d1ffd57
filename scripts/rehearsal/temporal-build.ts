import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Temporal's own server and its SQL schema tool, built once per version from the Go module
 * (go.temporal.io/server, what the temporalio/server and admin-tools images hold) and cached in
 * .tools/temporal-server/<version>/: bin/temporal-server, bin/temporal-sql-tool and
 * schema/postgresql/ (the schema files the admin-tools image keeps under /etc/temporal/schema).
 */

const ROOT = path.resolve(__dirname, '../..');
const MODULE = 'go.temporal.io/server';

export interface TemporalServerBuild {
  version: string;
  binDirectory: string;
  server: string;
  sqlTool: string;
  /** What the admin-tools image has at /etc/temporal/schema. */
  schemaDirectory: string;
  /** Seconds the build took; 0 when it came from the cache. */
  buildSeconds: number;
}

function layout(version: string): Omit<TemporalServerBuild, 'buildSeconds'> {
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

function go(args: string[], env: NodeJS.ProcessEnv, what: string): string {
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
 * or whatever GOTOOLCHAIN the environment sets). Idempotent: a complete build is never redone.
 */
export function ensureTemporalServer(version: string, log: (line: string) => void): TemporalServerBuild {
  const target = layout(version);
  const stamp = path.join(target.binDirectory, '..', 'complete');
  if (existsSync(stamp) && existsSync(target.server) && existsSync(target.sqlTool)) {
    return { ...target, buildSeconds: 0 };
  }
  const started = Date.now();
  const staging = `${target.binDirectory}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOBIN: staging,
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: process.env.REHEARSAL_GOTOOLCHAIN ?? 'auto',
  };
  const packages = [`${MODULE}/cmd/server@v${version}`, `${MODULE}/cmd/tools/sql@v${version}`];
  log(`building Temporal server ${version} from the Go module proxy (once; a few minutes on 2 cores)`);
  go(['install', ...packages], env, `Temporal server ${version}`);
  const downloaded = go(['mod', 'download', '-json', `${MODULE}@v${version}`], env, 'module files');
  const moduleDirectory = (JSON.parse(downloaded) as { Dir: string }).Dir;
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
