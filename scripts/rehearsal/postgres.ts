import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Instance } from './hosts';

/**
 * The compose file's `postgresql` service, natively: Debian's PostgreSQL, initialised as the
 * postgres image does (superuser POSTGRES_USER with POSTGRES_PASSWORD, password auth over TCP) in
 * the `temporal-db` volume's folder, listening on 127.0.0.1 only. PostgreSQL refuses to run as root:
 * as root it runs as the `postgres` user.
 */

export interface NativePostgres {
  /** `15 (Debian 15.18…)`: what runs, which may differ from the image's version. */
  version: string;
  port: number;
  /** A fast restart (`pg_ctl restart -m fast`): connections drop, data stays. */
  restart(): void;
  stop(): void;
}

const INSTALLED = '/usr/lib/postgresql';

function installedMajors(): string[] {
  return existsSync(INSTALLED) ? readdirSync(INSTALLED).filter((entry) => /^\d+$/.test(entry)) : [];
}

/**
 * A bare machine has no PostgreSQL: as root on Debian, the distribution's `postgresql` is installed
 * (what `apt-get install postgresql` gives, the version of the release); anywhere else the error says
 * what to install. The cluster Debian's package creates and starts is stopped again: the rehearsal
 * runs its own, in the compose volume's folder.
 */
export function ensurePostgresInstalled(log: (line: string) => void): void {
  if (installedMajors().length > 0) return;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (process.getuid?.() !== 0 || !hasApt) {
    throw new Error('PostgreSQL is not installed: apt-get install postgresql (Debian), then rerun');
  }
  log("postgresql: not installed; installing Debian's postgresql (apt-get, once)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'postgresql'],
  ]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`apt-get ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim()}`);
    }
  }
  for (const major of installedMajors()) {
    spawnSync('pg_ctlcluster', [major, 'main', 'stop'], { stdio: 'ignore' });
  }
}

function binDirectory(wantedMajor: string): string {
  const installed = installedMajors();
  const major = installed.includes(wantedMajor)
    ? wantedMajor
    : installed.sort((a, b) => Number(b) - Number(a))[0];
  if (!major) throw new Error('PostgreSQL is not installed: apt-get install postgresql (Debian), then rerun');
  return path.join(INSTALLED, major, 'bin');
}

function asPostgresUser(command: string, args: string[]): string[] {
  return process.getuid?.() === 0
    ? ['runuser', '-u', 'postgres', '--', command, ...args]
    : [command, ...args];
}

function run(line: string[], what: string): string {
  // The timeout only guards against a hang: pg_ctl itself waits at most 60 s (-t 60).
  const result = spawnSync(line[0]!, line.slice(1), { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(
      `${what} failed (exit ${result.status}): ${(result.stderr || result.stdout || '').trim()}`,
    );
  }
  return result.stdout.trim();
}

function handOver(file: string): void {
  if (process.getuid?.() !== 0) return;
  const user = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  chownSync(file, Number(user.stdout), Number(group.stdout));
}

/** initdb (once per data folder) and start; returns once it accepts connections. Not idempotent. */
export function startPostgres(instance: Instance, imageVersion: string): NativePostgres {
  const dataVolume = instance.mounts.get('/var/lib/postgresql/data');
  if (!dataVolume)
    throw new Error('docker-compose.yml: postgresql has no volume at /var/lib/postgresql/data');
  const { POSTGRES_USER: user = 'postgres', POSTGRES_PASSWORD: password } = instance.service.environment;
  if (!password)
    throw new Error('docker-compose.yml: postgresql needs POSTGRES_PASSWORD (TEMPORAL_DB_PASSWORD)');
  const bin = binDirectory(imageVersion.split('.')[0]!);
  const data = path.join(dataVolume, 'pgdata');
  const port = instance.ports.get(5432)!;
  chmodSync(dataVolume, 0o755);
  handOver(dataVolume);
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    const passwordFile = path.join(dataVolume, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    handOver(passwordFile);
    const initdb = [
      '-D',
      data,
      '-U',
      user,
      `--pwfile=${passwordFile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '-E',
      'UTF8',
    ];
    try {
      run(asPostgresUser(path.join(bin, 'initdb'), initdb), 'initdb');
    } finally {
      rmSync(passwordFile, { force: true });
    }
  }
  const pgCtl = (action: string, ...extra: string[]) =>
    run(
      asPostgresUser(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', ...extra, action]),
      `pg_ctl ${action}`,
    );
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dataVolume}`;
  // Always with -l: without it the server pg_ctl leaves running writes to pg_ctl's stdout, which
  // spawnSync holds open, so spawnSync would wait for PostgreSQL to exit with this whole process
  // (and the Temporal server, whose output pipe nobody then reads) frozen.
  const logFile = ['-l', path.join(dataVolume, 'postgresql.log')];
  pgCtl('start', '-o', options, ...logFile);
  let running = true;
  const stop = () => {
    if (running) pgCtl('stop', '-m', 'fast');
    running = false;
  };
  // Started by pg_ctl, PostgreSQL is not our child: stop it however this process ends.
  process.once('exit', () => {
    try {
      stop();
    } catch {
      // Nothing more can be done on the way out.
    }
  });
  return {
    version: run([path.join(bin, 'postgres'), '--version'], 'postgres --version').replace(
      /^postgres \(PostgreSQL\) /,
      '',
    ),
    port,
    restart: () => void pgCtl('restart', '-m', 'fast', '-o', options, ...logFile),
    stop,
  };
}
