import { condition, defineSignal, sleep } from '@temporalio/workflow';
import { isInProgress, observationKey as key } from '../shared/cluster-states';
import type { ClusterObservation } from '../shared/power';
import { reads, waitingReads } from './activities';

/**
 * The fleet's shared reads (deterministic workflow code). Instead of each power runbook polling its
 * own cluster, the fleet reads the list once per poll for every runbook it has running and signals
 * each the settled state its cluster reached. A fleet stop then costs one PATCH per cluster plus
 * about (stop time / poll) list reads, instead of a PATCH and a GET or more per cluster.
 */

/** The fleet tells a power runbook what its list read saw of the runbook's cluster. */
export const clusterObservedSignal = defineSignal<[ClusterObservation]>('clusterObserved');

/**
 * The fleet's request budget, a token bucket of `perSecond` tokens a second holding one second's
 * worth. While the fleet waits on the budget itself, tokens keep coming past that (up to a second
 * more): the server fires short timers late (after about a second at the least), and what came
 * meanwhile is the fleet's due, not a burst. After a wait for anything else (every lane busy),
 * `settle()` drops what built up beyond one second's worth, so no burst follows the pause.
 */
export class RequestBudget {
  private tokens: number;
  private updatedAt = Date.now();
  private readonly capacity: number;

  constructor(readonly perSecond: number) {
    this.capacity = Math.max(1, Math.floor(perSecond));
    this.tokens = this.capacity;
  }

  /** Waits until the bucket holds a token, and takes it. */
  async take(): Promise<void> {
    for (;;) {
      this.refill(2 * this.capacity);
      if (this.tokens >= 1) break;
      await sleep(Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond)));
    }
    this.tokens -= 1;
  }

  /** After a pause not spent waiting on the budget: at most one second's worth goes at once. */
  settle(): void {
    this.refill(this.capacity);
  }

  private refill(limit: number): void {
    const now = Date.now();
    const added = ((now - this.updatedAt) * this.perSecond) / 1000;
    this.tokens = Math.min(this.tokens + added, limit);
    this.updatedAt = now;
  }
}

interface Watched {
  tell(observation: ClusterObservation): Promise<void>;
  /** State and resource version as the fleet listed it, and the last ones it told the runbook. */
  last: string;
  /** Told the state the action leads to (or a deletion): its runbook ends without another word. */
  settled: boolean;
}

/** How the fleet reads the list for its runbooks, by what it is doing. */
export type WatchMode = 'relaxed' | 'urgent' | 'tail';

/**
 * How often the fleet reads the list. `relaxed`: lanes are free and clusters are still being
 * started, so reads cost requests the starts could use. `urgent`: runbooks hold most lanes, and
 * a start waits for one to end. `tail`: every cluster is started; one activity reads every
 * `tailMs` until a cluster comes to rest (sub-second, which a workflow timer is not).
 */
export const WATCH_POLLS = { relaxedMs: 2_000, urgentMs: 1_000, tailMs: 500, tailMaxWaitMs: 20_000 };

export class FleetWatch {
  private readonly watched = new Map<string, Watched>();
  reads = 0;

  /** `target`: the state the fleet's action leads to (STOPPED for a stop, RUNNING for a start). */
  constructor(
    private readonly budget: RequestBudget,
    private readonly target: string,
    private readonly polls = WATCH_POLLS,
  ) {}

  /** Watches a cluster for its runbook from its listed state on. */
  add(clusterId: string, listed: { state: string; resourceVersion: number }, tell: Watched['tell']): void {
    this.watched.set(clusterId, { tell, last: key(listed), settled: false });
  }

  remove(clusterId: string): void {
    this.watched.delete(clusterId);
  }

  /** The watched clusters whose runbooks still wait for word: what a read is for. */
  private waiting(): Array<{ clusterId: string; last: string }> {
    return [...this.watched.entries()]
      .filter(([, entry]) => !entry.settled)
      .map(([clusterId, { last }]) => ({ clusterId, last }));
  }

  /**
   * Reads the list every poll while any runbook is watched, until `finished()`; tells each runbook
   * the settled states (and a disappearance) of its cluster that differ from the last it heard of.
   * States in flight are not told: the runbook waits for where its cluster comes to rest.
   */
  async run(finished: () => boolean, mode: () => WatchMode): Promise<void> {
    for (;;) {
      await condition(() => finished() || this.waiting().length > 0);
      if (finished()) return;
      const now = mode();
      if (now !== 'tail') {
        if (await condition(finished, now === 'urgent' ? this.polls.urgentMs : this.polls.relaxedMs)) return;
        if (this.waiting().length === 0) continue;
      }
      await this.budget.take();
      const watched = this.waiting();
      // No start competes for the budget in the tail; its reads keep to the budget's rate all the same.
      const observations =
        now === 'tail'
          ? await waitingReads.observeClusters(watched, {
              intervalMs: Math.max(this.polls.tailMs, Math.ceil(1000 / this.budget.perSecond)),
              maxWaitMs: this.polls.tailMaxWaitMs,
            })
          : await reads.observeClusters(watched);
      this.reads += 1;
      const told: Array<Promise<void>> = [];
      for (const observation of observations) {
        const entry = this.watched.get(observation.clusterId);
        if (!entry || key(observation) === entry.last) continue;
        if (!observation.gone && isInProgress(observation.state)) continue;
        entry.last = key(observation);
        entry.settled = observation.gone === true || observation.state === this.target;
        told.push(entry.tell(observation));
      }
      await Promise.all(told);
    }
  }
}
