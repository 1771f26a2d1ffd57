import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Every line the process prints on stdout or stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Put the process in its own process group. A terminal Ctrl-C then reaches only the parent,
   * which stops its children in order; stop() and the exit guard signal the whole group.
   */
  ownProcessGroup?: boolean;
  /** How many of the last output lines to keep for error messages. */
  keepLines?: number;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** The last lines the process printed, oldest first. */
  recentOutput(): string[];
  /** Calls `listener` for each further line; returns a function that removes it. */
  onLine(listener: (line: string) => void): () => void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL now (the whole group when it has its own). */
  kill(): void;
}

/** Children still running; killed when this process exits, so none outlives us. */
const liveChildren = new Set<{ pid: number; group: boolean }>();
let exitGuardInstalled = false;

function signalProcess(pid: number, group: boolean, signal: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // Already gone: nothing to signal.
  }
}

function installExitGuard(): void {
  if (exitGuardInstalled) return;
  exitGuardInstalled = true;
  process.on('exit', () => {
    for (const entry of liveChildren) signalProcess(entry.pid, entry.group, 'SIGKILL');
  });
}

/** Describes how a process ended, for messages ("exit code 1", "signal SIGKILL"). */
export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`;
}

/** Resolves after exit once the output pipes are drained, so error messages hold the last lines. */
function watchExit(
  child: ChildProcess,
  note: (line: string) => void,
): { running: boolean; exited: Promise<ProcessExit> } {
  const state = { running: true, exited: Promise.resolve<ProcessExit>({ code: null, signal: null }) };
  state.exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (error) => {
      note(`failed to start: ${error.message}`);
      state.running = false;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      state.running = false;
      // A grandchild may hold the pipes open: do not wait for them for long.
      setTimeout(() => resolve({ code, signal }), 1_000).unref();
      child.once('close', () => resolve({ code, signal }));
    });
  });
  return state;
}

function readLines(child: ChildProcess, onLine: (line: string, stream: 'stdout' | 'stderr') => void): void {
  for (const [input, stream] of [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ] as const) {
    if (!input) continue;
    readline.createInterface({ input, crlfDelay: Infinity }).on('line', (line) => onLine(line, stream));
  }
}

/**
 * Spawns `command` with its output read line by line, killed if this process exits first.
 * Starts a new process each call: not idempotent.
 */
export function spawnManaged(
  command: string,
  args: string[],
  options: ManagedProcessOptions = {},
): ManagedProcess {
  const group = options.ownProcessGroup ?? false;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  const keepLines = options.keepLines ?? 40;
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const state = watchExit(child, (line) => recent.push(line));
  const { exited } = state;
  const entry = { pid: child.pid ?? -1, group };
  if (child.pid !== undefined) {
    liveChildren.add(entry);
    installExitGuard();
  }
  child.once('exit', () => liveChildren.delete(entry));
  void exited.then(() => liveChildren.delete(entry));
  readLines(child, (line, stream) => {
    recent.push(line);
    if (recent.length > keepLines) recent.shift();
    options.onLine?.(line, stream);
    for (const listener of listeners) listener(line);
  });
  let stopping: Promise<ProcessExit> | undefined;
  const stop = (graceMs = 10_000): Promise<ProcessExit> => {
    stopping ??= stopProcess(entry, exited, () => state.running, graceMs);
    return stopping;
  };
  return {
    pid: entry.pid,
    child,
    exited,
    isRunning: () => state.running,
    recentOutput: () => [...recent],
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop,
    kill: () => signalProcess(entry.pid, entry.group, 'SIGKILL'),
  };
}

async function stopProcess(
  entry: { pid: number; group: boolean },
  exited: Promise<ProcessExit>,
  isRunning: () => boolean,
  graceMs: number,
): Promise<ProcessExit> {
  if (!isRunning()) return exited;
  signalProcess(entry.pid, entry.group, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace-over'>((resolve) => {
    timer = setTimeout(() => resolve('grace-over'), graceMs);
  });
  const first = await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  if (first === 'grace-over') signalProcess(entry.pid, entry.group, 'SIGKILL');
  const exit = await exited;
  // The group may hold grandchildren (a wrapper script's binary): make sure none is left.
  if (entry.group) signalProcess(entry.pid, true, 'SIGKILL');
  return exit;
}

/**
 * Resolves with the first line for which `matches` is true; rejects when the process exits or
 * `timeoutMs` passes first, quoting its last lines. Only listens.
 */
export function waitForLine(
  managed: ManagedProcess,
  matches: (line: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const tail = () => managed.recentOutput().slice(-15).join('\n');
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      removeListener();
      settle();
    };
    const timer = setTimeout(
      () =>
        finish(() => reject(new Error(`${what} not seen within ${timeoutMs} ms; last output:\n${tail()}`))),
      timeoutMs,
    );
    const removeListener = managed.onLine((line) => {
      if (matches(line)) finish(() => resolve(line));
    });
    void managed.exited.then((exit) =>
      finish(() =>
        reject(new Error(`exited (${describeExit(exit)}) before ${what}; last output:\n${tail()}`)),
      ),
    );
  });
}
