import { randomUUID } from 'node:crypto';
import type { Client, ScheduleHandle, ScheduleOptions } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import type { ScheduledRunResult } from '../../src/schedules/scheduled-run';
import { type PowerScheduleDefinition } from '../../src/schedules/schedule-spec';
import { parseWhen } from '../../src/schedules/when';
import { createWorker } from '../../src/worker';
import { eventually, FAST_WAIT, TUTORIAL_CLUSTER, type E2eEnvironment, type Scenario } from '../helpers/e2e';

/**
 * The schedule tests' world: the e2e environment's dev server and emulator, clusters tagged with a
 * team of their own (so no other test's fleet picks them), and a worker with the Temporal client the
 * fleet needs for keep-alive lookups.
 */
export interface ScheduleWorld {
  scenario: Scenario;
  team: string;
  /** Cluster uids by name. */
  clusters: Map<string, string>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** A definition over this world's team, with fast waits; override what the test is about. */
  definition(overrides?: Partial<PowerScheduleDefinition>): PowerScheduleDefinition;
  /** Creates a Temporal Schedule and remembers it for teardown. */
  createRaw(options: ScheduleOptions): Promise<ScheduleHandle>;
  remember(scheduleIds: string[]): void;
  clusterState(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function createScheduleWorld(
  environment: E2eEnvironment,
  clusterNames: string[],
): Promise<ScheduleWorld> {
  const scenario = await environment.scenario({ transitionMs: 50 });
  const team = `team-${randomUUID().slice(0, 8)}`;
  const clusters = new Map<string, string>();
  for (const name of clusterNames) {
    const spec = { ...TUTORIAL_CLUSTER.spec, awsTags: [{ name: 'team', value: team }] };
    const created = await scenario.api.createCluster({ metadata: { name: `${name}-${team}` }, spec });
    clusters.set(name, created.metadata.uid);
  }
  for (const id of clusters.values()) {
    await eventually(`cluster ${id} RUNNING`, async () =>
      (await scenario.api.getCluster(id)).status?.state === 'RUNNING' ? true : undefined,
    );
  }
  const scheduleIds: string[] = [];
  let stopWorker: (() => Promise<void>) | undefined;
  const world: ScheduleWorld = {
    scenario,
    team,
    clusters,
    async startWorker() {
      const worker = await createWorker({
        connection: environment.connection,
        namespace: environment.namespace,
        taskQueue: scenario.taskQueue,
        activities: createActivities({
          api: scenario.api,
          temporal: { client: environment.client, namespace: environment.namespace },
        }),
        shutdownGraceTime: '1s',
      });
      const running = worker.run();
      stopWorker = async () => {
        worker.shutdown();
        await running;
      };
    },
    async stopWorker() {
      await stopWorker?.();
      stopWorker = undefined;
    },
    definition(overrides = {}) {
      return {
        name: `sched-${randomUUID().slice(0, 8)}`,
        timeZone: 'Europe/Berlin',
        stop: { text: 'Mon-Fri 19:00', slots: parseWhen('Mon-Fri 19:00') },
        start: { text: 'Mon-Fri 07:00', slots: parseWhen('Mon-Fri 07:00') },
        selector: { tags: { team } },
        selectText: `team=${team}`,
        skipDates: [],
        catchupWindowMs: 3_600_000,
        createdBy: 'schedule-test',
        wait: FAST_WAIT,
        ...overrides,
      };
    },
    async createRaw(options) {
      const handle = await environment.client.schedule.create(options);
      scheduleIds.push(options.scheduleId);
      return handle;
    },
    remember(ids) {
      scheduleIds.push(...ids);
    },
    async clusterState(name) {
      return String((await scenario.api.getCluster(clusters.get(name) as string)).status?.state);
    },
    async close() {
      for (const id of scheduleIds) {
        await environment.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
      }
      await world.stopWorker();
    },
  };
  return world;
}

/** Waits until a schedule has taken `count` actions and every one of those runs has ended; returns their results. */
export async function scheduledResults(
  client: Client,
  handle: ScheduleHandle,
  count: number,
  timeoutMs = 30_000,
): Promise<ScheduledRunResult[]> {
  const actions = await eventually(
    `${count} action(s) of ${handle.scheduleId}`,
    async () => {
      const recent = (await handle.describe()).info.recentActions;
      return recent.length >= count ? recent : undefined;
    },
    { timeoutMs },
  );
  return Promise.all(
    actions.map(
      (action) =>
        client.workflow
          .getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId)
          .result() as Promise<ScheduledRunResult>,
    ),
  );
}
