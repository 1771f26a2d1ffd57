import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnManaged, type ManagedProcess } from '../../src/dev/supervisor';
import type { HostMap, Instance } from './hosts';

/** Running an instance the way docker-compose does: one-shots to their exit, health checks polled. */

export interface RunLog {
  (line: string): void;
}

/** Runs a one-shot service (`restart: on-failure:N` retries it) until it exits 0; throws otherwise. */
export async function runOneShot(
  hosts: HostMap,
  instance: Instance,
  log: RunLog,
  attempts = 5,
): Promise<void> {
  const [command, ...args] = hosts.commandLine(instance);
  const env = hosts.environment(instance);
  for (let attempt = 1; ; attempt++) {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(command!, args, { cwd: instance.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', (error) => {
        output.push(error.message);
        resolve(null);
      });
      child.on('close', resolve);
    });
    // The Temporal tools' own log lines (timestamp, tab, level; the SQL tool's are every statement) are
    // shown only when the service fails; the setup scripts' own lines always.
    const toolLog = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t/;
    const shown = code === 0 ? output.filter((line) => !toolLog.test(line)) : output;
    for (const line of shown) log(`  [${instance.name}] ${line}`);
    if (code === 0) return;
    if (attempt >= attempts) {
      throw new Error(
        `${instance.name} (${[command, ...args].join(' ')}) failed ${attempts} times, last exit ${code}`,
      );
    }
    log(`  [${instance.name}] exit ${code}; compose would restart it (on-failure): attempt ${attempt + 1}`);
    await delay(2_000);
  }
}

/** Starts a long-running service's process, its own process group. Not idempotent. */
export function startLongRunning(
  hosts: HostMap,
  instance: Instance,
  onLine: (line: string) => void,
): ManagedProcess {
  const [command, ...args] = hosts.commandLine(instance);
  return spawnManaged(command!, args, {
    cwd: instance.cwd,
    env: hosts.environment(instance),
    ownProcessGroup: true,
    onLine,
  });
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => resolve(false));
  }).finally(() => undefined) as Promise<boolean>;
}

/** Runs the service's compose health check once. `nc -z host port` is checked natively without nc. */
export async function checkHealth(hosts: HostMap, instance: Instance): Promise<boolean> {
  const [kind, ...rest] = instance.service.healthcheck;
  if (!kind) return true;
  const env = hosts.environment(instance);
  const words =
    kind === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : rest.map((w) => hosts.localize(w, instance));
  const hasNc = spawnSync('sh', ['-c', 'command -v nc'], { encoding: 'utf8' }).status === 0;
  if (words[0] === 'nc' && words[1] === '-z' && !hasNc) {
    const result = await tcpOpen(words[2]!, Number(words[3]));
    return result;
  }
  const command = words[0] === 'node' ? process.execPath : words[0]!;
  const result = spawnSync(command, words.slice(1), {
    cwd: instance.cwd,
    env,
    encoding: 'utf8',
    timeout: 10_000,
  });
  return result.status === 0;
}

/** Polls the health check until it passes; throws after `timeoutMs`, or when `process` exits first. */
export async function untilHealthy(
  hosts: HostMap,
  instance: Instance,
  timeoutMs: number,
  process?: ManagedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process && !process.isRunning()) {
      throw new Error(
        `${instance.name} exited before it was healthy:\n${process.recentOutput().slice(-15).join('\n')}`,
      );
    }
    if (await checkHealth(hosts, instance)) return;
    await delay(1_000);
  }
  const tail = process ? `; last output:\n${process.recentOutput().slice(-15).join('\n')}` : '';
  throw new Error(
    `${instance.name} not healthy within ${timeoutMs / 1000} s (${instance.service.healthcheck.join(' ')})${tail}`,
  );
}
