import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../scripts/lib/run-cli';
import type { ScheduledRunResult } from '../../src/schedules/scheduled-run';
import type { SchedulePreview } from '../../src/schedules/schedule-preview';
import { POWER_ACTIONS } from '../../src/schedules/schedule-service';
import { powerScheduleId } from '../../src/schedules/schedule-spec';
import { changeWorkflowId, shrinkRecordWorkflowId } from '../../src/shared/runbook-ids';
import { SHRINK_RECORD_QUERY, type ShrinkRecord } from '../../src/shared/shrink';
import {
  createE2eEnvironment,
  eventually,
  keepAliveThroughCli,
  TUTORIAL_CLUSTER,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { scheduledResults } from '../schedules/schedule-harness';

/**
 * Shrink schedules through the real CLI, a worker process (`imply-runbooks worker` with a
 * configuration file of change policies), the dev server and the emulator: the stop slot scales the
 * selected clusters down through each one's change runbook, the start slot puts back what each had.
 */

function configFor(team: string): string {
  return `
approvals:
  groups: { ops: [alice, bob] }
  default: { approvers: [ops], required: 1, timeout: 1h }
policies:
  - name: floor
    match: { name: "floor-*" }
    bounds: { data.tier1: { minReplicas: 2 } }
    autoApproveKinds: [scale]
  - name: gated
    match: { name: "gated-*" }
  - name: nightly
    match: { tags: { team: "${team}" } }
    bounds: { data.tier1: { minReplicas: 1, maxReplicas: 5 } }
    autoApproveKinds: [scale]
`;
}

describe('shrink schedules (CLI, worker process, dev server, emulator)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  const team = `shrink-${Math.random().toString(36).slice(2, 8)}`;
  const name = `night-${team}`;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'shrink-schedules-'));
  const clusters = new Map<string, string>();
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env, directory);

  const tier1 = async (key: string) =>
    (await scenario.api.getCluster(clusters.get(key)!)).spec.data?.tier1?.replicas;
  const record = (key: string) =>
    environment.client.workflow.getHandle(shrinkRecordWorkflowId(name, clusters.get(key)!));

  /** Triggers one action and returns its run's result once it has ended. */
  async function trigger(action: 'stop' | 'start', runs: number): Promise<ScheduledRunResult> {
    const triggered = await cli('schedule', 'trigger', name, '--action', action);
    assert.equal(triggered.code, 0, triggered.stderr);
    const handle = environment.client.schedule.getHandle(powerScheduleId(name, action));
    const results = await scheduledResults(environment.client, handle, runs, 60_000);
    return results.at(-1)!;
  }

  async function waitingForApproval(runbookId: string): Promise<void> {
    await eventually(
      `${runbookId} waiting for approval`,
      async () => ((await cli('approvals', '--json')).stdout.includes(runbookId) ? true : undefined),
      { timeoutMs: 30_000 },
    );
  }

  async function approveWhenAsked(runbookId: string): Promise<void> {
    await waitingForApproval(runbookId);
    const approved = await cli('approve', runbookId, '--as', 'alice');
    assert.equal(approved.code, 0, approved.stderr);
  }

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario({ transitionMs: 50 });
    const configFile = path.join(directory, 'imply-runbooks.config.yaml');
    writeFileSync(configFile, configFor(team));
    await scenario.startWorkerProcess({ env: { IMPLY_RUNBOOKS_CONFIG: configFile } });
    for (const [key, extraTags] of [
      ['one', []],
      ['two', []],
      ['kept', []],
      ['guarded', [{ name: 'imply-runbooks/protected', value: 'true' }]],
      ['floor', []],
      ['gated', []],
    ] as const) {
      const spec = structuredClone(TUTORIAL_CLUSTER.spec);
      spec.data!.tier1!.replicas = 3;
      spec.awsTags = [{ name: 'team', value: team }, ...extraTags];
      const created = await scenario.api.createCluster({ metadata: { name: `${key}-${team}` }, spec });
      clusters.set(key, created.metadata.uid);
    }
    for (const uid of clusters.values()) {
      await eventually(`cluster ${uid} RUNNING`, async () =>
        (await scenario.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
      );
    }
    env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
      IMPLY_API_URL: scenario.emulator.apiUrl,
      IMPLY_TOKEN: scenario.token,
    };
  });
  after(async () => {
    for (const action of POWER_ACTIONS) {
      await environment?.client.schedule
        .getHandle(powerScheduleId(name, action))
        .delete()
        .catch(() => undefined);
    }
    await environment?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses a shrink of anything but replicas and instance types, and with enforced off-hours, creating nothing', async () => {
    const base = ['schedule', 'create', `bad-${team}`, '--timezone', 'UTC', '--select', `team=${team}`];
    const times = ['--stop', 'daily 19:00', '--start', 'daily 07:00', '--as', 'carol'];
    const role = await cli(...base, ...times, '--shrink', 'awsInstanceRole=arn:aws:iam::1:role/x');
    assert.equal(role.code, 2, role.stdout);
    assert.match(
      role.stderr,
      /--shrink: spec\.awsInstanceRole: a scale changes only replicas and instanceType/,
    );
    const offHours = await cli(
      ...base,
      ...times,
      '--shrink',
      'data.tier1.replicas=1',
      '--enforce-off-hours',
      '30m',
    );
    assert.match(offHours.stderr, /--shrink and --enforce-off-hours do not go together/);
    const typed = await cli(...base, ...times, '--shrink', 'data.tier1.replicas=one');
    assert.match(
      typed.stderr,
      /--shrink data\.tier1\.replicas=one: spec\.data\.tier1\.replicas takes a whole number/,
    );
    const listed = await cli('schedule', 'list');
    assert.doesNotMatch(listed.stdout, new RegExp(`bad-${team}`));
  });

  it(
    'shrinks at the stop slot through each change runbook and puts back what each had at the start slot',
    { timeout: 300_000 },
    async () => {
      const created = await cli(
        'schedule',
        'create',
        name,
        '--timezone',
        'UTC',
        '--select',
        `team=${team}`,
        '--stop',
        'daily 19:00',
        '--start',
        'daily 07:00',
        '--shrink',
        'data.tier1.replicas=1',
        '--as',
        'carol',
      );
      assert.equal(created.code, 0, created.stderr);
      assert.match(
        created.stdout,
        /shrink: +spec\.data\.tier1\.replicas=1 at the stop slots, put back at the start slots/,
      );
      assert.match(created.stdout, /SHRINK \(night-.*-stop\): daily 19:00/);
      assert.match(created.stdout, /RESTORE \(night-.*-start\): daily 07:00/);
      const listed = await cli('schedule', 'list');
      assert.match(listed.stdout, new RegExp(`${name} +shrink +daily 19:00`));
      assert.match(listed.stdout, new RegExp(`${name} +restore +daily 07:00`));

      await keepAliveThroughCli(env, clusters.get('kept')!, directory);

      // The preview: shrink and restore slots, and the capacity the shrink removes priced per hour.
      const preview = await cli('schedule', 'preview', name, '--days', '2', '--json');
      assert.equal(preview.code, 0, preview.stderr);
      const forecast = JSON.parse(preview.stdout) as SchedulePreview;
      assert.equal(forecast.shrink, 'spec.data.tier1.replicas=1');
      assert.deepEqual(new Set(forecast.slots.map((slot) => slot.shrink)), new Set(['shrink', 'restore']));
      assert.ok(forecast.forecast.saved > 0, JSON.stringify(forecast.forecast));
      const text = await cli('schedule', 'preview', name, '--days', '2');
      assert.match(text.stdout, /Forecast: [\d.]+ cluster-hours shrunk \(spec\.data\.tier1\.replicas=1\)/);

      // The night: the gated cluster's change waits for a person; alice (not carol, who made the schedule) approves it.
      const shrinking = trigger('stop', 1);
      const gatedChange = changeWorkflowId(clusters.get('gated')!);
      await waitingForApproval(gatedChange);
      const byCarol = await cli('approve', gatedChange, '--as', 'carol');
      assert.notEqual(byCarol.code, 0, 'carol is not an approver');
      await approveWhenAsked(gatedChange);
      const night = (await shrinking).summary!;
      assert.deepEqual(night.shrink, {
        mode: 'shrink',
        changes: [{ path: 'spec.data.tier1.replicas', value: 1 }],
      });
      assert.deepEqual(night.done, [`gated-${team}`, `one-${team}`, `two-${team}`]);
      const skipped = Object.fromEntries(
        night.skipped.map((entry) => [entry.cluster.split('-')[0], entry.reason]),
      );
      assert.match(skipped.kept!, /kept alive by bob/);
      assert.match(skipped.guarded!, /protected \(it carries the tag imply-runbooks\/protected=true\)/);
      assert.match(skipped.floor!, /refused: .*minReplicas 2/);
      assert.deepEqual(night.failed, []);
      for (const key of ['one', 'two', 'gated']) assert.equal(await tier1(key), 1, key);
      for (const key of ['kept', 'guarded', 'floor']) assert.equal(await tier1(key), 3, key);
      const remembered = await record('one').query<ShrinkRecord>(SHRINK_RECORD_QUERY);
      assert.deepEqual(remembered.restore, [{ path: 'spec.data.tier1.replicas', value: 3 }]);

      // A second night before any morning: nothing to shrink, and the first values stay remembered.
      const again = (await trigger('stop', 2)).summary!;
      assert.deepEqual(again.done, []);
      assert.match(
        again.skipped.find((entry) => entry.cluster === `one-${team}`)!.reason,
        /already at spec\.data\.tier1\.replicas=1: nothing to shrink/,
      );
      const still = await record('one').query<ShrinkRecord>(SHRINK_RECORD_QUERY);
      assert.deepEqual(still.restore, [{ path: 'spec.data.tier1.replicas', value: 3 }]);

      // Someone scales one cluster by hand overnight: the morning still puts back what the schedule took.
      const byHand = await cli(
        'scale',
        clusters.get('two')!,
        '--set',
        'data.tier1.replicas=2',
        '--as',
        'bob',
        '--wait',
      );
      assert.equal(byHand.code, 0, byHand.stderr + byHand.stdout);

      // The morning: what each had comes back, through the change runbook again (the gated cluster's
      // restore waits for a person too); the records end.
      const restoring = trigger('start', 1);
      await approveWhenAsked(gatedChange);
      const morning = (await restoring).summary!;
      assert.equal(morning.shrink?.mode, 'restore');
      assert.deepEqual(morning.done, [`gated-${team}`, `one-${team}`, `two-${team}`]);
      for (const key of ['kept', 'guarded', 'floor']) {
        const reason = morning.skipped.find((entry) => entry.cluster === `${key}-${team}`)?.reason;
        assert.match(reason ?? '', new RegExp(`nothing to restore: not shrunk by schedule ${name}`), key);
      }
      for (const key of ['one', 'two', 'gated', 'kept', 'guarded', 'floor'])
        assert.equal(await tier1(key), 3, key);
      for (const key of ['one', 'two', 'gated']) {
        const ended = await record(key).result();
        assert.equal(ended.ended, 'restored', key);
      }
      // A second morning finds nothing to put back.
      const second = (await trigger('start', 2)).summary!;
      assert.deepEqual(second.done, []);
    },
  );
});
