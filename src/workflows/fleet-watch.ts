import { condition, defineSignal, sleep } from '@temporalio/workflow';
import { isInProgress } from '../shared/cluster-states';
import type { ClusterObservation } from '../shared/power';
import { reads } from './activities';

/**
 * The fleet's shared reads (deterministic workflow code). Instead of each power runbook polling its
 * own cluster, the fleet reads the list once per poll for every runbook it has running and signals
 * each the settled state its cluster reached. A fleet stop then costs one PATCH per cluster plus
 * about (stop time / poll) list reads, instead of a PATCH and a GET or more per cluster.
 */

/** The fleet tells a power runbook what its list read saw of the runbook's cluster. */
export const clusterObservedSignal = defineSignal<[ClusterObservation]>('clusterObserved');

/**
 * The fleet's request budget: at most `perSecond` requests a second over the run, counted from its
 * start with one second's worth allowed at once. Counting from the start, not per timer, keeps the
 * rate exact although the server fires short timers late (about a second at the least).
 */
export class RequestBudget {
  private spent = 0;
  private readonly since = Date.now();
  private readonly burst: number;

  constructor(private readonly perSecond: number) {
    this.burst = Math.max(1, Math.floor(perSecond));
  }

  /** Waits until one more request fits the budget, and counts it. */
  async take(): Promise<void> {
    for (;;) {
      const allowed = this.burst + Math.floor(((Date.now() - this.since) * this.perSecond) / 1000);
      if (allowed > this.spent) break;
      const dueAt = this.since + Math.ceil(((this.spent + 1 - this.burst) * 1000) / this.perSecond);
      await sleep(Math.max(1, dueAt - Date.now()));
    }
    this.spent += 1;
  }
}

interface Watched {
  tell(observation: ClusterObservation): Promise<void>;
  /** State and resource version as the fleet listed it, and the last ones it told the runbook. */
  last: string;
}

/** How often the fleet reads the list: quickly while runbooks wait on it for a free lane or the end. */
export interface WatchPolls {
  /** Runbooks hold every lane, or no cluster is left to start: each runbook's end is awaited. */
  urgentMs: number;
  /** Lanes are free and clusters are still being started: reads cost requests the starts could use. */
  relaxedMs: number;
}

export const WATCH_POLLS: WatchPolls = { urgentMs: 1_000, relaxedMs: 3_000 };

const key = (observation: { state: string; resourceVersion: number }) =>
  `${observation.state}@${observation.resourceVersion}`;

export class FleetWatch {
  private readonly watched = new Map<string, Watched>();
  reads = 0;

  constructor(
    private readonly budget: RequestBudget,
    private readonly polls: WatchPolls = WATCH_POLLS,
  ) {}

  /** Watches a cluster for its runbook from its listed state on. */
  add(clusterId: string, listed: { state: string; resourceVersion: number }, tell: Watched['tell']): void {
    this.watched.set(clusterId, { tell, last: key(listed) });
  }

  remove(clusterId: string): void {
    this.watched.delete(clusterId);
  }

  /**
   * Reads the list every poll while any runbook is watched, until `finished()`; tells each runbook
   * the settled states (and a disappearance) of its cluster that differ from the last it heard of.
   * States in flight are not told: the runbook waits for where its cluster comes to rest.
   */
  async run(finished: () => boolean, urgent: () => boolean): Promise<void> {
    for (;;) {
      await condition(() => finished() || this.watched.size > 0);
      if (finished()) return;
      const pollMs = urgent() ? this.polls.urgentMs : this.polls.relaxedMs;
      if (await condition(finished, pollMs)) return;
      if (this.watched.size === 0) continue;
      await this.budget.take();
      const observations = await reads.observeClusters([...this.watched.keys()]);
      this.reads += 1;
      const told: Array<Promise<void>> = [];
      for (const observation of observations) {
        const watched = this.watched.get(observation.clusterId);
        if (!watched || key(observation) === watched.last) continue;
        if (!observation.gone && isInProgress(observation.state)) continue;
        watched.last = key(observation);
        told.push(watched.tell(observation));
      }
      await Promise.all(told);
    }
  }
}
