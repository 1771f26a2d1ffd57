import { describeExit, spawnManaged, waitForLine, type ManagedProcess } from './supervisor';

export interface WorkerProcessOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** A line the worker prints once it polls its task queue. */
  readyText: string;
  /** Default 120_000: the first start bundles the workflow code. */
  readyTimeoutMs?: number;
  /** The worker's output lines. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Crashes and restarts, worded for the screen. */
  onEvent?: (message: string) => void;
  /** Default 1_000; doubles per crash in a row up to maxBackoffMs. */
  initialBackoffMs?: number;
  /** Default 30_000. */
  maxBackoffMs?: number;
  /** Time in service after which a crash counts as the first in a row again. Default 60_000. */
  stableAfterMs?: number;
  /** Default 30_000: the worker's own shutdown grace plus a margin. */
  stopGraceMs?: number;
  /** Aborting it during the first start stops the worker and rejects. */
  signal?: AbortSignal;
}

export interface SupervisedWorker {
  pid(): number;
  restarts(): number;
  /** SIGTERM to the worker, SIGKILL after the grace; no restart afterwards. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL now, no restart. */
  kill(): void;
}

class WorkerSupervisor implements SupervisedWorker {
  private current: ManagedProcess;
  private stopping = false;
  private restartCount = 0;
  private crashesInRow = 0;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly options: WorkerProcessOptions) {
    this.current = this.spawnWorker();
  }

  private spawnWorker(): ManagedProcess {
    const { command, args, env, cwd, onLine } = this.options;
    return spawnManaged(command, args, { env, cwd, onLine, ownProcessGroup: true });
  }

  private untilReady(): Promise<string> {
    const { readyText, readyTimeoutMs } = this.options;
    return waitForLine(
      this.current,
      (line) => line.includes(readyText),
      readyTimeoutMs ?? 120_000,
      `"${readyText}"`,
    );
  }

  async firstStart(): Promise<void> {
    const { signal, stopGraceMs } = this.options;
    const cancel = () => void this.current.stop(stopGraceMs ?? 30_000);
    signal?.addEventListener('abort', cancel);
    try {
      await this.untilReady();
    } catch (error) {
      await this.current.stop(1_000);
      if (signal?.aborted) throw new Error('worker start cancelled');
      throw new Error(`worker did not start: ${(error as Error).message}`);
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
    this.loop = this.keepRunning();
  }

  private backoffMs(upFor: number): number {
    this.crashesInRow = upFor > (this.options.stableAfterMs ?? 60_000) ? 1 : this.crashesInRow + 1;
    const backoff = (this.options.initialBackoffMs ?? 1_000) * 2 ** (this.crashesInRow - 1);
    return Math.min(backoff, this.options.maxBackoffMs ?? 30_000);
  }

  private sleep(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, milliseconds);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async keepRunning(): Promise<void> {
    while (!this.stopping) {
      const startedAt = Date.now();
      const exit = await this.current.exited;
      if (this.stopping) return;
      const backoff = this.backoffMs(Date.now() - startedAt);
      const wait = backoff < 1_000 ? `${backoff} ms` : `${Math.round(backoff / 1_000)} s`;
      this.options.onEvent?.(`exited (${describeExit(exit)}); restarting in ${wait}`);
      await this.sleep(backoff);
      if (this.stopping) return;
      this.current = this.spawnWorker();
      this.restartCount += 1;
      const restart = this.restartCount;
      this.untilReady().then(
        () => this.options.onEvent?.(`ready again (restart ${restart})`),
        () => {},
      );
    }
  }

  pid(): number {
    return this.current.pid;
  }

  restarts(): number {
    return this.restartCount;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.current.stop(this.options.stopGraceMs ?? 30_000);
    await this.loop;
  }

  kill(): void {
    this.stopping = true;
    this.wakeUp?.();
    this.current.kill();
  }
}

/**
 * Starts the worker process and resolves once it prints `readyText`; afterwards restarts it with
 * backoff whenever it exits. A failed first start rejects with its last output. Not idempotent.
 */
export async function startSupervisedWorker(options: WorkerProcessOptions): Promise<SupervisedWorker> {
  const supervisor = new WorkerSupervisor(options);
  await supervisor.firstStart();
  return supervisor;
}
