import { canFail } from './state-machine';
import type { ClusterRecord, ClusterStore } from './store';

/**
 * Finishes transitions (CREATING, UPDATING, …) when their time is up: a timer per cluster for
 * observers that only wait, plus a catch-up on every read, so a read never sees a transition that
 * should be over (timers fire late under load) and a restarted emulator finishes what was in flight.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TransitionClock {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: ClusterStore,
    private readonly shouldFail: (uid: string) => boolean,
  ) {}

  /** Schedules the end of `record`'s transition; ends it at once when its time is already up. */
  schedule(record: ClusterRecord): void {
    const transition = record.transition;
    if (!transition) return;
    this.cancel(record.uid);
    const delay = transition.endsAt - Date.now();
    if (delay <= 0) {
      this.finish(record.uid);
      return;
    }
    // Re-checked when it fires: a delay beyond setTimeout's 24.8-day limit is re-armed, not cut short.
    const timer = setTimeout(() => this.wake(record.uid), Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(record.uid, timer);
  }

  /** The record with its transition ended if its time is up. */
  catchUp(record: ClusterRecord): ClusterRecord {
    const transition = record.transition;
    if (!transition || transition.endsAt > Date.now()) return record;
    return this.finish(record.uid) ?? record;
  }

  /** Ends the cluster's transition now: in its end state, or FAILED when told to. Safe to repeat. */
  finish(uid: string): ClusterRecord | undefined {
    this.cancel(uid);
    const record = this.store.get(uid);
    const transition = record?.transition;
    if (!record || !transition) return record;
    const failed = canFail(transition.busyState) && this.shouldFail(uid);
    const finished: ClusterRecord = {
      ...record,
      state: failed ? 'FAILED' : transition.endState,
      transition: undefined,
      updatedAt: new Date().toISOString(),
    };
    this.store.save(finished);
    return finished;
  }

  /** Stops every timer (the store keeps the end times, so a restart picks them up). */
  stopAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private wake(uid: string): void {
    const record = this.store.get(uid);
    if (record) this.schedule(record);
  }

  private cancel(uid: string): void {
    const timer = this.timers.get(uid);
    if (timer) clearTimeout(timer);
    this.timers.delete(uid);
  }
}
