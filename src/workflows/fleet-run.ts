import {
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  executeChild,
  isCancellation,
  patched,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FleetCluster, FleetSelection } from '../activities/fleet';
import { formatDuration } from '../shared/durations';
import { needsKeepAlives, planFleet } from '../shared/fleet-plan';
import type { FleetSettings } from '../shared/fleet-settings';
import {
  POWER_ACTION_FAILED,
  runbookAttributes,
  type FleetCarry,
  type FleetInput,
  type FleetSummary,
} from '../shared/power';
import type { PowerInput, PowerResult } from '../shared/power';
import { shrinkModeOf } from '../shared/shrink';
import { reads } from './activities';
import { restoreCluster, shrinkCluster, type ClusterOutcome } from './fleet-shrink';
import { clusterObservedSignal, FleetWatch, RequestBudget } from './fleet-watch';
import { powerRunbook } from './power';
import { TARGETS } from './power-steps';
import type { RunbookTracker } from './progress';
import { changeWorkflowId } from '../shared/runbook-ids';

/** Patch id: the fleet reads the list for its power runbooks (`FleetWatch`) and paces by one budget. */
export const FLEET_SHARED_WATCH_PATCH = 'fleet-shared-watch';

/** The events one running runbook may still add to the fleet's history (start, signals, end, tasks). */
const EVENTS_PER_RUNNING = 12;

/**
 * The state of one fleet run: which clusters were done, skipped, failed or never started, and the
 * loop that runs their power runbooks with bounded concurrency, a paced start rate and the
 * failure-share brake.
 */
export class FleetRun {
  readonly done: string[] = [];
  readonly skipped: FleetSummary['skipped'] = [];
  readonly failed: FleetSummary['failed'] = [];
  readonly notStarted: string[] = [];
  readonly results: PowerResult[] = [];
  aborted?: string;
  selected = 0;
  /** Clusters left for the next run when this one's history is full (see `FLEET_HISTORY_BUDGET`). */
  rest?: FleetCluster[];
  private acting = 0;
  private childFailures = 0;
  private running = 0;
  private lanes = 1;
  private windowStartedAt = Number.NEGATIVE_INFINITY;
  private startsInWindow = 0;
  /** Per concurrency lane: when its next runbook may start (the last one's calls spaced out too). */
  private laneFreeAt: Array<number | 'busy'> = [];

  constructor(
    private readonly input: FleetInput,
    private readonly settings: FleetSettings,
    private readonly tracker: RunbookTracker,
  ) {
    const carried = input.carried;
    if (carried) {
      this.selected = carried.selected;
      this.acting = carried.acting;
      this.childFailures = carried.childFailures;
      this.done.push(...carried.done);
      this.skipped.push(...carried.skipped);
      this.failed.push(...carried.failed);
      this.notStarted.push(...carried.notStarted);
      this.results.push(...carried.results);
    }
  }

  /** What the next run needs to go on where this one stops (continue-as-new). */
  carry(startedAt: string, rest: FleetCluster[]): FleetCarry {
    return {
      startedAt,
      selected: this.selected,
      acting: this.acting,
      childFailures: this.childFailures,
      targets: rest,
      done: this.done,
      skipped: this.skipped,
      failed: this.failed,
      notStarted: this.notStarted,
      results: this.results,
      runs: (this.input.carried?.runs ?? 0) + 1,
    };
  }

  /** Drops opted-out clusters and, for a stop, kept-alive ones, each reported as skipped with why. */
  async filter(selection: FleetSelection): Promise<FleetCluster[]> {
    this.selected = selection.clusters.length + selection.missing.length;
    const keepAlives = needsKeepAlives(this.input.action, selection.clusters)
      ? await reads.listKeepAlives()
      : [];
    const plan = planFleet(selection, keepAlives, this.input.selector);
    this.failed.push(...plan.failed);
    this.skipped.push(...plan.skipped);
    this.acting = plan.targets.length;
    return plan.targets;
  }

  /**
   * Runs one power runbook per target in `concurrency` lanes; stops starting new ones past the
   * failure share. A lane's next runbook makes its first call one request interval after the last
   * one's last call, so each lane's calls stay that far apart even across runbooks.
   */
  async runAll(targets: FleetCluster[]): Promise<void> {
    this.lanes = Math.max(1, Math.min(this.settings.concurrency, targets.length));
    // A shrink's change runbooks wait on their own; power runbooks are watched by the fleet.
    if (!this.input.shrink && patched(FLEET_SHARED_WATCH_PATCH)) return this.runWatched(targets);
    this.laneFreeAt = Array.from({ length: Math.min(this.settings.concurrency, targets.length) }, () => 0);
    const children: Array<Promise<void>> = [];
    for (const [index, cluster] of targets.entries()) {
      await condition(() => this.laneFreeAt.some((lane) => lane !== 'busy'));
      const lane = this.laneFreeAt.findIndex((freeAt) => freeAt !== 'busy');
      const freeAt = this.laneFreeAt[lane] as number;
      this.laneFreeAt[lane] = 'busy';
      // The lane's cool-down is waited out in the child, in parallel: here each wait (often under a
      // second, which the server fires only after about one) held up every start behind it.
      const coolDownInChild = patched('fleet-lane-cool-down-in-child');
      await this.paceStart(coolDownInChild ? 0 : freeAt);
      // Checked after the pacing wait too: failures that came in meanwhile count.
      if (this.childFailures / this.acting > this.settings.maxFailureShare) {
        this.abort(targets.slice(index));
        break;
      }
      this.running++;
      children.push(
        this.runOne(cluster, coolDownInChild ? freeAt : undefined).finally(() => {
          this.running--;
          this.laneFreeAt[lane] = Date.now() + this.requestIntervalMs();
          this.report();
        }),
      );
    }
    await Promise.all(children);
  }

  /**
   * Runs one power runbook per target, at most `concurrency` at once, each started when the fleet's
   * request budget has room for its PATCH; the fleet's list reads (in the same budget) tell the
   * runbooks when their clusters are there. Past the history budget it starts no new one, lets the
   * running ones finish and leaves the rest in `rest` for the next run.
   */
  private async runWatched(targets: FleetCluster[]): Promise<void> {
    const budget = new RequestBudget(this.settings.requestsPerSecond);
    const watch = new FleetWatch(budget, TARGETS[this.input.action].state);
    let startsOver = false;
    const watching = watch.run(
      () => startsOver && this.running === 0,
      // Polled quickly once three quarters of the lanes are taken: before a start has to wait for one.
      () =>
        startsOver
          ? 'tail'
          : this.running >= Math.ceil(this.settings.concurrency * 0.75)
            ? 'urgent'
            : 'relaxed',
    );
    const children: Array<Promise<void>> = [];
    // Every promise here is awaited to its end, whatever happens: a cancelled fleet must not leave
    // the reads loop or a child rejecting unobserved (the worker fails such a workflow task, and the
    // cancellation would never complete).
    let stopped: unknown;
    try {
      await this.startWatched(targets, budget, watch, children);
    } catch (error) {
      stopped = error;
    } finally {
      startsOver = true;
    }
    const ended = await Promise.allSettled([...children, watching]);
    if (stopped !== undefined) throw stopped;
    const failure = ended.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** Starts one watched power runbook per target as lanes and the budget allow (see `runWatched`). */
  private async startWatched(
    targets: FleetCluster[],
    budget: RequestBudget,
    watch: FleetWatch,
    children: Array<Promise<void>>,
  ): Promise<void> {
    for (const [index, cluster] of targets.entries()) {
      if (this.running >= this.settings.concurrency) {
        await condition(() => this.running < this.settings.concurrency);
        budget.settle();
      }
      if (this.historyFull()) {
        this.rest = targets.slice(index);
        this.tracker.detail(
          `${this.line()}; history at ${workflowInfo().historyLength} events: ` +
            `continuing as new with ${this.rest.length} cluster(s) once the running ones end`,
        );
        break;
      }
      await budget.take();
      if (this.childFailures / this.acting > this.settings.maxFailureShare) {
        this.abort(targets.slice(index));
        break;
      }
      this.running++;
      children.push(
        this.runOne(cluster, undefined, watch).finally(() => {
          this.running--;
          this.report();
        }),
      );
    }
  }

  /**
   * Past its history budget (`FleetInput.historyBudget`, less what the running runbooks may still
   * add) a run starts no new cluster: it lets the running ones finish and continues as new with the
   * rest, so no history nears Temporal's 10,240-event warning however large the fleet.
   */
  private historyFull(): boolean {
    const info = workflowInfo();
    const budget = this.settings.historyBudget;
    const room = Math.max(budget - this.settings.concurrency * EVENTS_PER_RUNNING, budget / 2);
    return info.historyLength >= room || info.continueAsNewSuggested;
  }

  summary(startedAt: string): FleetSummary {
    return {
      action: this.input.action,
      ...(this.input.scheduleName === undefined ? {} : { scheduleName: this.input.scheduleName }),
      startedAt,
      endedAt: new Date().toISOString(),
      selected: this.selected,
      // Clusters finish in any order: list them by name, so two runs over one fleet read alike.
      done: [...this.done].sort(byName),
      skipped: [...this.skipped].sort((left, right) => byName(left.cluster, right.cluster)),
      failed: [...this.failed].sort((left, right) => byName(left.cluster, right.cluster)),
      notStarted: this.notStarted,
      ...(this.aborted === undefined ? {} : { aborted: this.aborted }),
      results: this.results,
      ...(this.input.shrink
        ? { shrink: { mode: shrinkModeOf(this.input.action), changes: this.input.shrink } }
        : {}),
    };
  }

  /** One line for progress: `12 done, 1 failed, 3 skipped, 4 running, 30 waiting`. */
  line(): string {
    const finished = this.done.length + this.failed.length + this.skipped.length;
    return (
      `${this.done.length} done, ${this.failed.length} failed, ${this.skipped.length} skipped, ` +
      `${this.running} running, ${Math.max(this.selected - finished - this.running - this.notStarted.length, 0)} waiting` +
      (this.aborted ? `; aborted: ${this.aborted}` : '')
    );
  }

  private report(): void {
    this.tracker.detail(this.line());
  }

  private abort(rest: FleetCluster[]): void {
    const share = Math.round((this.childFailures / this.acting) * 100);
    const limit = Math.round(this.settings.maxFailureShare * 100);
    this.aborted =
      `${this.childFailures} of ${this.acting} clusters failed (${share}% > ${limit}%): ` +
      `started no new ones, ${rest.length} not started`;
    this.notStarted.push(...rest.map((cluster) => cluster.name));
  }

  /**
   * Starts at most `requestsPerSecond` runbooks per one-second window, and not before the lane is
   * free. Whole-second windows, not one timer per start: the server fires a timer under about a
   * second only after about a second, which paced starts to one a second whatever the rate.
   */
  private async paceStart(laneFreeAt: number): Promise<void> {
    const laneDue = laneFreeAt - Date.now();
    if (laneDue > 0) await sleep(laneDue);
    const perWindow = Math.max(1, Math.floor(this.settings.requestsPerSecond));
    if (Date.now() - this.windowStartedAt >= 1000) {
      this.windowStartedAt = Date.now();
      this.startsInWindow = 0;
    }
    if (this.startsInWindow >= perWindow) {
      await sleep(Math.max(1, this.windowStartedAt + 1000 - Date.now()));
      this.windowStartedAt = Date.now();
      this.startsInWindow = 0;
    }
    this.startsInWindow++;
  }

  /** Each lane's share of the fleet's rate: its calls at least this far apart. */
  private requestIntervalMs(): number {
    return Math.ceil((1000 * this.lanes) / this.settings.requestsPerSecond);
  }

  private powerInput(cluster: FleetCluster, firstCallAt?: number): PowerInput {
    const input: PowerInput = {
      clusterId: cluster.id,
      action: this.input.action,
      requester: this.input.requester,
      source: this.input.scheduleName ? 'schedule' : 'person',
      minRequestIntervalMs: this.requestIntervalMs(),
      listed: {
        clusterName: cluster.name,
        state: cluster.state,
        resourceVersion: cluster.resourceVersion,
        nodes: cluster.nodes,
      },
    };
    if (firstCallAt !== undefined && firstCallAt > Date.now()) input.firstCallAt = firstCallAt;
    if (this.input.scheduleName) input.scheduleName = this.input.scheduleName;
    if (this.input.wait) input.wait = this.input.wait;
    return input;
  }

  /** One cluster's runbook: its power runbook, or for a shrink schedule its change runbook. */
  private async actOn(
    cluster: FleetCluster,
    firstCallAt?: number,
    watch?: FleetWatch,
  ): Promise<ClusterOutcome> {
    if (this.input.shrink) {
      return this.input.action === 'stop'
        ? shrinkCluster(this.input, cluster)
        : restoreCluster(this.input, cluster);
    }
    const result = watch
      ? await this.runWatchedChild(cluster, watch)
      : await executeChild(powerRunbook, {
          ...childOptions(cluster),
          args: [this.powerInput(cluster, firstCallAt)],
        });
    this.results.push(result);
    return result.outcome === 'done'
      ? { outcome: 'done' }
      : { outcome: 'skipped', reason: result.reason ?? result.outcome };
  }

  /** A power runbook told by the fleet's list reads what its cluster reached, from its start to its end. */
  private async runWatchedChild(cluster: FleetCluster, watch: FleetWatch): Promise<PowerResult> {
    const input: PowerInput = { ...this.powerInput(cluster), watchedByFleet: true };
    const handle = await startChild(powerRunbook, { ...childOptions(cluster), args: [input] });
    watch.add(cluster.id, cluster, async (observation) => {
      try {
        await handle.signal(clusterObservedSignal, observation);
      } catch (error) {
        // The runbook ended meanwhile (its result says how): nothing to tell.
        if (isCancellation(error)) throw error;
      }
    });
    try {
      return await handle.result();
    } finally {
      watch.remove(cluster.id);
    }
  }

  private async runOne(cluster: FleetCluster, firstCallAt?: number, watch?: FleetWatch): Promise<void> {
    const workflowId = changeWorkflowId(cluster.id);
    for (let attempt = 1; ; attempt++) {
      try {
        const ended = await this.actOn(cluster, firstCallAt, watch);
        if (ended.outcome === 'done') {
          this.done.push(cluster.name);
          if (ended.detail) this.tracker.detail(`${cluster.name}: ${ended.detail}`);
        } else if (ended.outcome === 'skipped') {
          this.skipped.push({ cluster: cluster.name, reason: ended.reason });
        } else {
          this.childFailures++;
          this.failed.push({ cluster: cluster.name, reason: ended.reason });
        }
        return;
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError))
          return this.recordFailure(cluster, error);
        if (attempt >= this.settings.busyAttempts) {
          const reason =
            `busy: ${workflowId} (another change) was running at each of ${attempt} attempts, ` +
            `${formatDuration(this.settings.busyDelayMs)} apart`;
          this.skipped.push({ cluster: cluster.name, reason });
          return;
        }
        this.tracker.detail(
          `${cluster.name} busy (${workflowId} running): trying again, attempt ${attempt + 1}`,
        );
        await sleep(this.settings.busyDelayMs);
      }
    }
  }

  private recordFailure(cluster: FleetCluster, error: unknown): void {
    if (isCancellation(error)) throw error;
    this.childFailures++;
    const cause = error instanceof ChildWorkflowFailure ? error.cause : undefined;
    const result =
      cause instanceof ApplicationFailure && cause.type === POWER_ACTION_FAILED
        ? (cause.details?.[0] as PowerResult | undefined)
        : undefined;
    if (result) this.results.push(result);
    const reason =
      result?.reason ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    this.failed.push({ cluster: cluster.name, reason });
  }
}

/** A cluster's power runbook: on `change:<uid>`, cancelled with the fleet. */
function childOptions(cluster: FleetCluster) {
  return {
    workflowId: changeWorkflowId(cluster.id),
    parentClosePolicy: 'REQUEST_CANCEL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: runbookAttributes('power', cluster.id, cluster.name),
  } as const;
}

function byName(left: string, right: string): number {
  return left.localeCompare(right, 'en', { numeric: true });
}
