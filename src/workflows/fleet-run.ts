import {
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  executeChild,
  isCancellation,
  patched,
  sleep,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FleetCluster, FleetSelection } from '../activities/fleet';
import { formatDuration } from '../shared/durations';
import { needsKeepAlives, planFleet } from '../shared/fleet-plan';
import type { FleetSettings } from '../shared/fleet-settings';
import { POWER_ACTION_FAILED, runbookAttributes, type FleetInput, type FleetSummary } from '../shared/power';
import type { PowerInput, PowerResult } from '../shared/power';
import { shrinkModeOf } from '../shared/shrink';
import { reads } from './activities';
import { restoreCluster, shrinkCluster, type ClusterOutcome } from './fleet-shrink';
import { powerRunbook } from './power';
import type { RunbookTracker } from './progress';
import { changeWorkflowId } from '../shared/runbook-ids';

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
  private acting = 0;
  private childFailures = 0;
  private running = 0;
  private windowStartedAt = Number.NEGATIVE_INFINITY;
  private startsInWindow = 0;
  /** Per concurrency lane: when its next runbook may start (the last one's calls spaced out too). */
  private laneFreeAt: Array<number | 'busy'> = [];

  constructor(
    private readonly input: FleetInput,
    private readonly settings: FleetSettings,
    private readonly tracker: RunbookTracker,
  ) {}

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
    return Math.ceil((1000 * this.laneFreeAt.length) / this.settings.requestsPerSecond);
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
  private async actOn(cluster: FleetCluster, firstCallAt?: number): Promise<ClusterOutcome> {
    if (this.input.shrink) {
      return this.input.action === 'stop'
        ? shrinkCluster(this.input, cluster)
        : restoreCluster(this.input, cluster);
    }
    const result = await executeChild(powerRunbook, {
      workflowId: changeWorkflowId(cluster.id),
      args: [this.powerInput(cluster, firstCallAt)],
      parentClosePolicy: 'REQUEST_CANCEL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: runbookAttributes('power', cluster.id, cluster.name),
    });
    this.results.push(result);
    return result.outcome === 'done'
      ? { outcome: 'done' }
      : { outcome: 'skipped', reason: result.reason ?? result.outcome };
  }

  private async runOne(cluster: FleetCluster, firstCallAt?: number): Promise<void> {
    const workflowId = changeWorkflowId(cluster.id);
    for (let attempt = 1; ; attempt++) {
      try {
        const ended = await this.actOn(cluster, firstCallAt);
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

function byName(left: string, right: string): number {
  return left.localeCompare(right, 'en', { numeric: true });
}
