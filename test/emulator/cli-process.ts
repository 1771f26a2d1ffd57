import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Runs the real `imply-runbooks` CLI as a child process, as a person would. */

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'imply-runbooks.js');

export interface CliRun {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `imply-runbooks <args>` with `env` laid over a clean copy of this process's environment. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until the emulator CLI prints its URL; fails with its output if it exits first. */
export async function waitForListening(run: CliRun): Promise<string> {
  const found = () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())?.[1];
  let exitedEarly = false;
  void run.exited.then(() => (exitedEarly = true));
  for (let attempt = 0; attempt < 600 && !found() && !exitedEarly; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const url = found();
  if (!url) {
    throw new Error(`the emulator CLI did not start.\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`);
  }
  return url;
}

/** Stops the CLI with SIGTERM and resolves with its exit code. */
export async function stopCli(run: CliRun): Promise<number | null> {
  if (run.child.exitCode === null) run.child.kill('SIGTERM');
  return run.exited;
}
