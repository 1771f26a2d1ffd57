import { sleep } from '@temporalio/workflow';
import type { WaitOptions } from '../shared/runbook';
import { WAIT_DEFAULTS } from './cluster-steps';

/**
 * Keeps one runbook's Cloud Manager calls at least `minIntervalMs` apart, with durable timers. The
 * fleet gives each of its `concurrency` power runbooks `concurrency / requestsPerSecond` seconds, so
 * together they stay under the fleet's rate however their calls interleave.
 */
export class Pacer {
  private last = Number.NEGATIVE_INFINITY;

  /** `firstCallAt`: no call before then (as if the last one was made `minIntervalMs` earlier). */
  constructor(
    private readonly minIntervalMs: number,
    firstCallAt?: number,
  ) {
    if (firstCallAt !== undefined) this.last = firstCallAt - minIntervalMs;
  }

  /** Waits until the next call may go, and counts it as made now. */
  async next(): Promise<void> {
    const due = this.last + this.minIntervalMs - Date.now();
    if (this.minIntervalMs > 0 && due > 0) await sleep(due);
    this.last = Date.now();
  }

  /** Runs one call once its turn comes. */
  async call<T>(run: () => Promise<T>): Promise<T> {
    await this.next();
    return run();
  }

  /** Counts a call made elsewhere (the last poll of a wait) as made now. */
  touch(): void {
    this.last = Date.now();
  }

  /** Wait options whose polls are never closer than the pacing allows. */
  waitOptions(wait: WaitOptions = {}): WaitOptions {
    const pollInitialMs = Math.max(wait.pollInitialMs ?? WAIT_DEFAULTS.pollInitialMs, this.minIntervalMs);
    const pollMaxMs = Math.max(wait.pollMaxMs ?? WAIT_DEFAULTS.pollMaxMs, pollInitialMs);
    return { ...wait, pollInitialMs, pollMaxMs };
  }
}
