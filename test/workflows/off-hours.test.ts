import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ScheduledRunInput } from '../../src/schedules/scheduled-run';
import { nextSlotInstant } from '../../src/schedules/slots';
import { parseWhen } from '../../src/schedules/when';
import type { OffHoursGuardInput } from '../../src/shared/off-hours';
import { offHoursGuard } from '../../src/workflows/off-hours';
import { scheduledFleetRun } from '../../src/workflows/scheduled-fleet';
import { fakeFleetApi } from '../helpers/fake-fleet-api';
import {
  createTimeSkippingEnvironment,
  terminateWhenIdle,
  withWorker,
} from '../helpers/workflow-environment';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const FAST_WAIT = { pollInitialMs: 1000, pollMaxMs: 5000 };

describe('enforced off-hours (time skipping, fake Cloud Manager)', () => {
  let environment: TestWorkflowEnvironment;
  before(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await environment?.teardown();
  });

  it('tells the owner, then stops a cluster started by hand after the grace; keep-alives and opt-outs exempt', async () => {
    const fake = fakeFleetApi();
    const intruder = await fake.seed('test-intruder', { env: 'test', owner: 'dana@example.com' }, 'STOPPED');
    const kept = await fake.seed('test-kept', { env: 'test' }, 'STOPPED');
    await fake.seed('test-optout', { env: 'test', 'imply-runbooks/schedule': 'off' });
    const quiet = await fake.seed('test-quiet', { env: 'test' }, 'STOPPED');
    const result = await withWorker(environment, fake.activities, async (taskQueue) => {
      const startMs = (await environment.currentTimeMs()) as number;
      const input: OffHoursGuardInput = {
        scheduleName: 'nightly',
        selector: { tags: { env: 'test' } },
        until: new Date(startMs + 12 * HOUR).toISOString(),
        graceMs: 30 * MINUTE,
        checkEveryMs: 5 * MINUTE,
        wait: FAST_WAIT,
      };
      const handle = await environment.client.workflow.start(offHoursGuard, {
        taskQueue,
        workflowId: `offhours-test-${Math.random()}`,
        args: [input],
      });
      // Someone starts two clusters by hand at night; one of them gets a keep-alive.
      await environment.sleep(20 * MINUTE);
      await fake.startTransition(intruder, 'STARTED');
      await fake.startTransition(kept, 'STARTED');
      fake.keepAlives.push({
        clusterId: kept,
        clusterName: 'test-kept',
        until: new Date(startMs + 24 * HOUR).toISOString(),
        reason: 'load test tonight',
        setBy: 'erin',
        setAt: new Date(startMs).toISOString(),
      });
      return { startMs, summary: await handle.result() };
    });

    assert.deepEqual(result.summary.stopped, ['test-intruder']);
    assert.deepEqual(result.summary.announced, ['test-intruder']);
    assert.equal(fake.stateOf(intruder), 'STOPPED');
    assert.ok(
      !fake.apiCalls.some((call) => call.activity === 'setDesiredState' && call.clusterId === kept),
      'the kept-alive cluster is left alone',
    );
    assert.equal(fake.stateOf(quiet), 'STOPPED');
    // The owner was told first, naming when; the stop came no earlier than the grace after that.
    const [notice, ...others] = fake.offHoursNotices;
    assert.equal(others.length, 0);
    assert.equal(notice?.owner, 'dana@example.com');
    assert.equal(notice?.cluster, 'test-intruder');
    const stops = fake.apiCalls.filter(
      (call) => call.activity === 'setDesiredState' && call.clusterId === intruder,
    );
    const guardStop = stops.at(-1);
    assert.ok(
      notice && guardStop && guardStop.atMs >= notice.atMs + 30 * MINUTE,
      JSON.stringify({ notice, stops }),
    );
    // Workflow time and the activity's scheduled time differ by the task's few milliseconds.
    assert.ok(Math.abs(Date.parse(notice.stopAt) - (notice.atMs + 30 * MINUTE)) < 1000, notice.stopAt);
  });

  it('starts the guard after a scheduled stop when the schedule enforces off-hours, until the next start', async () => {
    const fake = fakeFleetApi();
    await fake.seed('night-1', { team: 'night' });
    const result = await withWorker(environment, fake.activities, async (taskQueue) => {
      const input: ScheduledRunInput = {
        scheduleName: 'night',
        scheduleId: 'night-stop',
        action: 'stop',
        timeZone: 'UTC',
        slots: parseWhen('daily 19:00'),
        catchupWindowMs: HOUR,
        offHours: { graceMs: 30 * MINUTE, startSlots: parseWhen('daily 07:00', '--start') },
        fleet: {
          action: 'stop',
          selector: { tags: { team: 'night' } },
          requester: 'schedule night',
          wait: FAST_WAIT,
        },
      };
      const run = await environment.client.workflow.execute(scheduledFleetRun, {
        taskQueue,
        workflowId: `scheduled-test-${Math.random()}`,
        args: [input],
      });
      const nowMs = (await environment.currentTimeMs()) as number;
      return { run, nowMs };
    });
    assert.equal(result.run.outcome, 'ran');
    assert.deepEqual(result.run.summary?.done, ['night-1']);
    assert.ok(result.run.offHoursGuardId);
    const until = result.run.offHoursGuardId.split(':').slice(2).join(':');
    const expected = nextSlotInstant(parseWhen('daily 07:00'), Date.parse(result.run.startedAt), 'UTC');
    assert.equal(Date.parse(until), expected);
    const guard = environment.client.workflow.getHandle(result.run.offHoursGuardId);
    assert.equal((await guard.describe()).status.name, 'RUNNING');
    await terminateWhenIdle(guard);
  });
});
