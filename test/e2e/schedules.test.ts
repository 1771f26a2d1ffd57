import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATE_AFTER_MS } from '../../src/schedules/scheduled-run';
import { createPowerSchedule, POWER_ACTIONS } from '../../src/schedules/schedule-service';
import { buildScheduleOptions, powerScheduleId } from '../../src/schedules/schedule-spec';
import { slotOfRun } from '../../src/schedules/slots';
import { formatLocal, transitionsBetween } from '../../src/schedules/time-zones';
import { parseSkipDates } from '../../src/schedules/skip-dates';
import { parseWhen } from '../../src/schedules/when';
import { type KeepAlive } from '../../src/shared/power';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { regionalHolidays } from '../../src/schedules/regional-holidays';
import type { SchedulePreview } from '../../src/schedules/schedule-preview';
import { runCli } from '../../scripts/lib/run-cli';
import { createE2eEnvironment, eventually, keepAliveThroughCli, type E2eEnvironment } from '../helpers/e2e';
import { createScheduleWorld, scheduledResults, type ScheduleWorld } from '../schedules/schedule-harness';
import { keepAliveWorkflowId } from '../../src/shared/runbook-ids';

const BERLIN = 'Europe/Berlin';
const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The next spring-forward and fall-back of Berlin after now: the tests must not depend on today's date. */
function nextBerlinTransitions(): { springMs: number; fallMs: number } {
  const changes = transitionsBetween(Date.now(), Date.now() + 400 * DAY_MS, BERLIN);
  const spring = changes.find((change) => change.offsetAfterMinutes > change.offsetBeforeMinutes);
  const fall = changes.find((change) => change.offsetAfterMinutes < change.offsetBeforeMinutes);
  assert.ok(spring && fall, 'Berlin changes its clocks twice a year');
  return { springMs: spring.atMs, fallMs: fall.atMs };
}

describe('power schedules on a Temporal dev server', () => {
  let environment: E2eEnvironment;
  const worlds: ScheduleWorld[] = [];
  const world = async (clusters: string[] = []) => {
    const created = await createScheduleWorld(environment, clusters);
    worlds.push(created);
    return created;
  };

  before(async () => {
    environment = await createE2eEnvironment();
  });
  after(async () => {
    for (const created of worlds) await created.close();
    await environment.close();
  });

  it('lists next runs across daylight-saving changes: the skipped 02:30 runs at 03:30, 07:00 stays 07:00 local', async () => {
    const setup = await world();
    const { springMs, fallMs } = nextBerlinTransitions();
    const slots = parseWhen('Sun 02:30');
    for (const [label, changeMs] of [
      ['spring', springMs],
      ['fall', fallMs],
    ] as const) {
      const definition = setup.definition({
        name: `dst-${label}-${setup.team}`,
        stop: { text: 'Sun 02:30', slots },
        start: { text: 'daily 07:00', slots: parseWhen('daily 07:00') },
        startAt: new Date(changeMs - 2 * DAY_MS),
      });
      await createPowerSchedule(environment.client, definition, setup.scenario.taskQueue);
      setup.remember(POWER_ACTIONS.map((action) => powerScheduleId(definition.name, action)));
      const stops = (await environment.client.schedule.getHandle(`${definition.name}-stop`).describe()).info
        .nextActionTimes;
      const claims = stops.slice(0, 3).map((time) => slotOfRun(time.getTime(), BERLIN, slots));
      // One run per Sunday, each standing for its Sunday's 02:30, whatever the server fires.
      assert.deepEqual(
        claims.map((claim) => claim.localTime),
        ['02:30', '02:30', '02:30'],
      );
      assert.equal(
        new Set(claims.map((claim) => claim.key)).size,
        3,
        `${label}: ${stops.map((time) => iso(time.getTime()))}`,
      );
      if (label === 'spring') {
        // The server alone would skip that Sunday: the extra calendar entry runs it at 03:30 summer time.
        assert.equal(formatLocal(stops[0]!.getTime(), BERLIN).slice(11), '03:30 (+02:00)');
        assert.equal(claims[0]!.kind, 'dst-gap');
      }
      const starts = (await environment.client.schedule.getHandle(`${definition.name}-start`).describe()).info
        .nextActionTimes;
      const locals = starts.slice(0, 4).map((time) => formatLocal(time.getTime(), BERLIN).slice(11, 16));
      assert.deepEqual(locals, ['07:00', '07:00', '07:00', '07:00']);
      // The UTC hour moves with the clocks: 06:00 → 05:00 in spring, 05:00 → 06:00 in autumn.
      const utcHours = starts.slice(0, 4).map((time) => time.getUTCHours());
      assert.deepEqual(utcHours, label === 'spring' ? [6, 6, 5, 5] : [5, 5, 6, 6]);
    }
  });

  it('leaves out skip dates: no stop on 24 and 25 December', async () => {
    const setup = await world();
    const year = new Date(Date.now() + 10 * DAY_MS).getUTCFullYear();
    const startAt = `${year}-12-21T00:00:00Z`;
    const definition = setup.definition({
      skipDates: parseSkipDates(`${year}-12-24..${year}-12-26`),
      startAt: new Date(startAt),
    });
    await createPowerSchedule(environment.client, definition, setup.scenario.taskQueue);
    setup.remember(POWER_ACTIONS.map((action) => powerScheduleId(definition.name, action)));
    const stops = (await environment.client.schedule.getHandle(`${definition.name}-stop`).describe()).info
      .nextActionTimes;
    const dates = stops.map((time) => formatLocal(time.getTime(), BERLIN).slice(0, 10));
    assert.ok(
      dates.every((date) => !/-12-2[456]$/.test(date)),
      `no stop on 24-26 December: ${dates}`,
    );
    assert.ok(dates.some((date) => date === `${year}-12-23`));
  });

  it('runs a stop in the skipped hour once (backfill over the 2026 spring-forward night)', async () => {
    const setup = await world(['spring']);
    await setup.startWorker();
    const definition = setup.definition({
      stop: { text: 'Sun 02:30', slots: parseWhen('Sun 02:30') },
      catchupWindowMs: 400 * DAY_MS,
      daylightSavingYears: 1,
    });
    await createPowerSchedule(
      environment.client,
      definition,
      setup.scenario.taskQueue,
      Date.parse('2026-03-01T00:00:00Z'),
    );
    setup.remember(POWER_ACTIONS.map((action) => powerScheduleId(definition.name, action)));
    const stop = environment.client.schedule.getHandle(`${definition.name}-stop`);
    await stop.backfill({
      start: new Date('2026-03-28T22:00:00Z'),
      end: new Date('2026-03-29T04:00:00Z'),
      overlap: 'ALLOW_ALL',
    });
    const results = await scheduledResults(environment.client, stop, 1);
    assert.equal(results.length, 1);
    const [run] = results;
    assert.equal(run!.outcome, 'ran');
    assert.deepEqual(run!.slot, {
      kind: 'dst-gap',
      localDate: '2026-03-29',
      localTime: '02:30',
      timeZone: BERLIN,
    });
    assert.equal(run!.scheduledAt, '2026-03-29T01:30:00.000Z');
    assert.deepEqual(run!.summary?.done, [`spring-${setup.team}`]);
    assert.equal(await setup.clusterState('spring'), 'STOPPED');
  });

  it('runs a stop in the repeated hour once even when the server fires at both 02:30s', async () => {
    const setup = await world(['fall']);
    await setup.startWorker();
    const definition = setup.definition({
      stop: { text: 'Sun 02:30', slots: parseWhen('Sun 02:30') },
      catchupWindowMs: 400 * DAY_MS,
    });
    // A server that fires a repeated local time twice (as the SDK documents): both instants, in UTC.
    const options = buildScheduleOptions(definition, 'stop', setup.scenario.taskQueue, Date.now());
    options.spec = {
      timezone: 'UTC',
      calendars: [0, 1].map((hour) => ({
        year: 2026,
        month: 'OCTOBER' as const,
        dayOfMonth: 25,
        hour,
        minute: 30,
        second: 0,
      })),
    };
    const stop = await setup.createRaw(options);
    await stop.backfill({
      start: new Date('2026-10-25T00:00:00Z'),
      end: new Date('2026-10-25T02:00:00Z'),
      overlap: 'ALLOW_ALL',
    });
    const results = await scheduledResults(environment.client, stop, 2);
    assert.deepEqual(results.map((run) => run.outcome).sort(), ['duplicate', 'ran']);
    assert.deepEqual(
      new Set(results.map((run) => run.slot.localDate + ' ' + run.slot.localTime)),
      new Set(['2026-10-25 02:30']),
    );
    assert.equal(results[0]!.fleetRunbookId, results[1]!.fleetRunbookId);
    const patches = setup.scenario.emulator
      .requestLog()
      .filter(
        (entry) =>
          entry.method === 'PATCH' && entry.committed && entry.clusterId === setup.clusters.get('fall'),
      );
    assert.equal(patches.length, 1, 'the cluster was asked to stop once');
    assert.equal(await setup.clusterState('fall'), 'STOPPED');
  });

  it('catches up a run due while no worker polled, and says how late it was', async () => {
    const setup = await world(['late']);
    const definition = setup.definition();
    const options = buildScheduleOptions(definition, 'stop', setup.scenario.taskQueue, Date.now());
    const due = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
    options.spec = {
      timezone: 'UTC',
      calendars: [
        {
          year: due.getUTCFullYear(),
          month: (
            [
              'JANUARY',
              'FEBRUARY',
              'MARCH',
              'APRIL',
              'MAY',
              'JUNE',
              'JULY',
              'AUGUST',
              'SEPTEMBER',
              'OCTOBER',
              'NOVEMBER',
              'DECEMBER',
            ] as const
          )[due.getUTCMonth()],
          dayOfMonth: due.getUTCDate(),
          hour: due.getUTCHours(),
          minute: due.getUTCMinutes(),
          second: due.getUTCSeconds(),
        },
      ],
    };
    const stop = await setup.createRaw(options);
    // The schedule fires on time; its run waits, since no worker polls the task queue.
    const [action] = await eventually('the schedule to fire', async () => {
      const recent = (await stop.describe()).info.recentActions;
      return recent.length > 0 ? recent : undefined;
    });
    const handle = environment.client.workflow.getHandle(action!.action.workflow.workflowId);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    assert.equal(await setup.clusterState('late'), 'RUNNING');
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, due.getTime() + LATE_AFTER_MS + 500 - Date.now())),
    );
    await setup.startWorker();
    const result = (await handle.result()) as Awaited<ReturnType<typeof scheduledResults>>[number];
    assert.equal(result.outcome, 'ran');
    assert.equal(result.late, true);
    assert.ok(result.lateByMs >= LATE_AFTER_MS + 500, `late by ${result.lateByMs} ms`);
    assert.match(result.reason ?? '', /^late by \d+(\.\d)?s, caught up$/);
    assert.deepEqual(result.summary?.done, [`late-${setup.team}`]);
    assert.equal(await setup.clusterState('late'), 'STOPPED');
  });

  it('reports a run later than the catch-up window as missed and leaves the clusters alone', async () => {
    const setup = await world(['missed']);
    await setup.startWorker();
    const definition = setup.definition({ stop: { text: 'daily 19:00', slots: parseWhen('daily 19:00') } });
    await createPowerSchedule(environment.client, definition, setup.scenario.taskQueue);
    setup.remember(POWER_ACTIONS.map((action) => powerScheduleId(definition.name, action)));
    const stop = environment.client.schedule.getHandle(`${definition.name}-stop`);
    // Two days ago's 19:00, taken now: two days late against a one-hour window.
    await stop.backfill({ start: new Date(Date.now() - 3 * DAY_MS), end: new Date(Date.now() - 2 * DAY_MS) });
    const [result] = await scheduledResults(environment.client, stop, 1);
    assert.equal(result!.outcome, 'missed');
    assert.match(
      result!.reason ?? '',
      /^missed: began 2d( \d+[hms])? after its time, beyond the catch-up window of 1h; nothing was done/,
    );
    assert.equal(result!.summary, undefined);
    assert.equal(await setup.clusterState('missed'), 'RUNNING');
  });

  it('skips the public holidays of a region from the command line, and names them', async () => {
    const setup = await world();
    const env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: setup.scenario.taskQueue,
    };
    const name = `holidays-${setup.team}`;
    setup.remember(POWER_ACTIONS.map((action) => powerScheduleId(name, action)));
    const created = await runCli(
      ['schedule', 'create', name, '--timezone', BERLIN, '--select', `team=${setup.team}`].concat([
        '--stop',
        'Mon-Fri 19:00',
        '--start',
        'Mon-Fri 07:00',
        '--holidays',
        'DE-BY',
        '--as',
        'alice',
      ]),
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const year = new Date().getUTCFullYear();
    const goodFriday = regionalHolidays('DE-BY', { fromYear: year + 1, years: 1 }).find((date) =>
      date.label?.startsWith('Good Friday'),
    );
    assert.ok(goodFriday);
    const day = `${goodFriday.year}-${String(goodFriday.month).padStart(2, '0')}-${String(goodFriday.day).padStart(2, '0')}`;
    assert.match(created.stdout, new RegExp(`${day} Good Friday \\(DE-BY\\)`));
    const described = await runCli(['schedule', 'describe', name], env);
    assert.match(described.stdout, new RegExp(`${day} Good Friday \\(DE-BY\\)`));
    const spec = (await environment.client.schedule.getHandle(`${name}-stop`).describe()).spec;
    assert.ok(
      (spec.skip ?? []).some((calendar) => {
        const text = JSON.stringify(calendar);
        return (
          text.includes(`"year":[{"start":${goodFriday.year},`) &&
          text.includes(`"start":${goodFriday.day},"end":${goodFriday.day}`) &&
          text.includes(`"month":[{"start":"${['MARCH', 'APRIL'][goodFriday.month - 3]}"`)
        );
      }),
      `the stop schedule skips ${day}`,
    );
    const unknown = await runCli(
      [
        'schedule',
        'create',
        `${name}-x`,
        '--select',
        'env=test',
        '--stop',
        'daily 19:00',
        '--start',
        'daily 07:00',
        '--timezone',
        'UTC',
        '--holidays',
        'DE-XX',
        '--as',
        'alice',
      ],
      env,
    );
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /--holidays DE-XX: "XX" is not a region of DE/);
  });

  it('previews the next days: every run, its clusters, holidays by name, keep-alives until they expire, and the savings', async () => {
    const setup = await world(['one', 'two', 'kept', 'optout']);
    await setup.startWorker();
    await setup.scenario.api.patchCluster(setup.clusters.get('optout') as string, {
      spec: {
        awsTags: [
          { name: 'team', value: setup.team },
          { name: 'imply-runbooks/schedule', value: 'off' },
        ],
      },
    });
    const env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: setup.scenario.taskQueue,
      IMPLY_API_URL: setup.scenario.emulator.apiUrl,
      IMPLY_TOKEN: setup.scenario.token,
    };
    const name = `preview-${setup.team}`;
    setup.remember(POWER_ACTIONS.map((action) => powerScheduleId(name, action)));
    // A holiday three days ahead, in the schedule's zone (UTC keeps the arithmetic plain).
    const holiday = new Date(Date.now() + 3 * DAY_MS).toISOString().slice(0, 10);
    const created = await runCli(
      ['schedule', 'create', name, '--timezone', 'UTC', '--select', `team=${setup.team}`].concat([
        '--stop',
        'daily 19:00',
        '--start',
        'daily 07:00',
        '--skip-dates',
        holiday,
        '--as',
        'alice',
      ]),
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    await keepAliveThroughCli(env, setup.clusters.get('kept') as string);

    const run = await runCli(['schedule', 'preview', name, '--days', '7', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const preview = JSON.parse(run.stdout) as SchedulePreview;
    // 7 days of one stop and one start a day, less the holiday's two.
    assert.equal(preview.slots.length, 12, preview.slots.map((slot) => slot.local).join(', '));
    assert.ok(preview.slots.every((slot) => !slot.local.startsWith(holiday)));
    assert.deepEqual(preview.holidays, [{ date: holiday, label: 'skip date', actions: ['stop', 'start'] }]);
    const keptName = `kept-${setup.team}`;
    const stops = preview.slots.filter((slot) => slot.action === 'stop');
    for (const slot of stops) {
      const keptAlive = Date.parse(slot.at) < Date.now() + 36 * 3_600_000;
      assert.equal(slot.acts.includes(keptName), !keptAlive, `${keptName} at ${slot.local}`);
      assert.ok(slot.skipped.some((entry) => entry.cluster === `optout-${setup.team}`));
    }
    // Each night stopped is 12 hours; the holiday keeps the night before it stopped 24 hours longer.
    const one = preview.forecast.clusters.find((row) => row.cluster === `one-${setup.team}`);
    assert.ok(one && one.hoursStopped > 0 && preview.forecast.saved > 0, JSON.stringify(preview.forecast));
    const text = await runCli(['schedule', 'preview', name, '--days', '7'], env);
    assert.match(text.stdout, new RegExp(`${holiday}  skip date  \\(no stop or start\\)`));
    assert.match(text.stdout, /Forecast: [\d.]+ cluster-hours stopped, [\d.]+ USD saved/);

    // The real run at the next stop acts on what the preview said for it.
    const triggered = await runCli(['schedule', 'trigger', name, '--action', 'stop'], env);
    assert.equal(triggered.code, 0, triggered.stderr);
    await eventually('the triggered stop done', async () =>
      (await setup.clusterState('one')) === 'STOPPED' && (await setup.clusterState('two')) === 'STOPPED'
        ? true
        : undefined,
    );
    assert.equal(await setup.clusterState('kept'), 'RUNNING');
    assert.equal(await setup.clusterState('optout'), 'RUNNING');
    assert.deepEqual([...stops[0]!.acts].sort(), [`one-${setup.team}`, `two-${setup.team}`]);
    const badDays = await runCli(['schedule', 'preview', name, '--days', '0'], env);
    assert.match(badDays.stderr, /--days "0" must be a whole number of days from 1 to 366/);
  });

  it('works from the command line: create, list, describe, pause, trigger, report savings, delete', async () => {
    const setup = await world(['kept', 'saved']);
    await setup.startWorker();
    const env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: setup.scenario.taskQueue,
    };
    const cli = (...args: string[]) => runCli(args, env);
    const name = `nightly-${setup.team}`;
    setup.remember(POWER_ACTIONS.map((action) => powerScheduleId(name, action)));
    const createArgs = ['schedule', 'create', name, '--timezone', BERLIN, '--select', `team=${setup.team}`];
    createArgs.push(
      '--stop',
      'Mon-Fri 19:00',
      '--start',
      'Mon-Fri 07:00',
      '--skip-dates',
      '2026-12-24..2026-12-26',
    );
    createArgs.push(
      '--catchup-window',
      '2h',
      '--poll-initial',
      '100ms',
      '--poll-max',
      '500ms',
      '--as',
      'alice',
    );
    const created = await cli(...createArgs);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`Created schedules ${name}-stop and ${name}-start`));
    assert.match(created.stdout, /skip dates:\s+2026-12-24, 2026-12-25, 2026-12-26/);
    assert.match(created.stdout, /STOP \(.*-stop\): Mon-Fri 19:00\n\s+paused:\s+no\n\s+catch-up window: 2h;/);
    assert.match(created.stdout, /next runs:\s+\d{4}-\d{2}-\d{2} 19:00 \(\+01:00\)/);

    const other = ['schedule', 'create', 'x', '--select', 'env=test', '--start', 'daily 07:00'];
    const [again, badWhen, badZone] = await Promise.all([
      cli(...createArgs),
      cli(...other, '--stop', 'Mon-Fri 7pm', '--timezone', BERLIN),
      cli(...other, '--stop', 'daily 19:00', '--timezone', 'Berlin'),
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`schedule "${name}" already exists`));
    assert.match(
      badWhen.stderr,
      /--stop "Mon-Fri 7pm" is not a day-and-time rule: write days and a 24-hour time/,
    );
    assert.match(
      badZone.stderr,
      /--timezone "Berlin" is not an IANA time zone: write a zone name such as Europe\/Berlin/,
    );

    await eventually('the schedule in the list', async () => {
      const listed = JSON.parse((await cli('schedule', 'list', '--json')).stdout) as Array<{
        name: string;
        actions: unknown[];
      }>;
      return listed.find((entry) => entry.name === name && entry.actions.length === 2);
    });
    assert.equal((await cli('schedule', 'pause', name, '--reason', 'code freeze', '--as', 'bob')).code, 0);
    const paused = JSON.parse((await cli('schedule', 'describe', name, '--json')).stdout);
    assert.deepEqual(
      paused.actions.map((action: { paused: boolean; note: string }) => [action.paused, action.note]),
      [
        [true, 'paused by bob: code freeze'],
        [true, 'paused by bob: code freeze'],
      ],
    );
    assert.deepEqual(
      paused.actions.map((action: { catchupWindowMs: number }) => action.catchupWindowMs),
      [7_200_000, 7_200_000],
    );
    assert.equal((await cli('schedule', 'unpause', name)).code, 0);

    // Tonight someone keeps one cluster alive (what `imply-runbooks keep-alive` starts).
    const keptId = setup.clusters.get('kept') as string;
    const keepAlive: KeepAlive = {
      clusterId: keptId,
      clusterName: `kept-${setup.team}`,
      until: iso(Date.now() + 3_600_000),
      reason: 'customer demo',
      setBy: 'dana',
      setAt: iso(Date.now()),
    };
    const keeper = await environment.client.workflow.start('keepAliveRunbook', {
      workflowId: keepAliveWorkflowId(keptId),
      taskQueue: setup.scenario.taskQueue,
      args: [keepAlive],
      memo: { keepAlive },
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.kind, value: 'keep-alive' }],
    });
    await eventually('the keep-alive in visibility', async () => {
      for await (const run of environment.client.workflow.list({
        query: `WorkflowId = '${keeper.workflowId}' AND ExecutionStatus = 'Running'`,
      }))
        return run;
      return undefined;
    });

    assert.equal((await cli('schedule', 'trigger', name, '--action', 'stop')).code, 0);
    const stopSchedule = environment.client.schedule.getHandle(`${name}-stop`);
    const [stopRun] = await scheduledResults(environment.client, stopSchedule, 1);
    assert.equal(stopRun!.slot.kind, 'manual');
    assert.deepEqual(stopRun!.summary?.done, [`saved-${setup.team}`]);
    assert.match(stopRun!.summary?.skipped[0]?.reason ?? '', /^kept alive by dana until .*: customer demo$/);
    assert.equal(await setup.clusterState('saved'), 'STOPPED');
    assert.equal(await setup.clusterState('kept'), 'RUNNING');
    const described = await cli('schedule', 'describe', name);
    assert.match(described.stdout, /recent runs:\n\s+SCHEDULED\s+STATUS\s+OUTCOME\s+DONE\s+SKIPPED\s+FAILED/);
    assert.match(described.stdout, /COMPLETED\s+ran\s+1\s+1\s+0/);

    // Two hours from now, had nothing else happened: the stopped cluster saved 2 h, the kept one cost 2 h.
    const report = async () => {
      const until = iso(Date.now() + 2 * 3_600_000);
      const output = await cli('report', 'savings', '--since', '1h', '--until', until, '--format', 'json');
      assert.equal(output.code, 0, output.stderr);
      return JSON.parse(output.stdout);
    };
    const projected = await eventually('the stop in the savings report', async () => {
      const result = await report();
      const saved = result.clusters.find(
        (row: { clusterId?: string }) => row.clusterId === setup.clusters.get('saved'),
      );
      const kept = result.keepAlives.find(
        (row: { clusterName: string }) => row.clusterName === `kept-${setup.team}`,
      );
      return saved && kept ? { saved, kept } : undefined;
    });
    assert.equal(projected.saved.hourlyPrice, 0.161, '7 t2.small nodes at 0.023 USD an hour');
    assert.ok(
      Math.abs(projected.saved.hoursStoppedBySchedule - 2) < 0.05,
      `${projected.saved.hoursStoppedBySchedule} h`,
    );
    assert.ok(Math.abs(projected.saved.savedBySchedule - 0.32) < 0.02, `${projected.saved.savedBySchedule}`);
    assert.equal(projected.kept.setBy, 'dana');
    assert.ok(Math.abs(projected.kept.hours - 2) < 0.05, `${projected.kept.hours} h`);

    assert.equal((await cli('schedule', 'trigger', name, '--action', 'start')).code, 0);
    const [startRun] = await scheduledResults(
      environment.client,
      environment.client.schedule.getHandle(`${name}-start`),
      1,
    );
    assert.deepEqual(startRun!.summary?.done, [`saved-${setup.team}`]);
    const closed = await eventually('the start in the savings report', async () => {
      const result = await report();
      const saved = result.clusters.find(
        (row: { clusterId?: string }) => row.clusterId === setup.clusters.get('saved'),
      );
      return saved && saved.hoursStoppedBySchedule < 0.5 ? saved : undefined;
    });
    assert.equal(closed.hoursStoppedByPeople, 0);
    const csv = await cli('report', 'savings', '--since', '1h', '--format', 'csv');
    assert.match(csv.stdout.split('\n')[0] ?? '', /^kind,cluster,cluster_id,hourly_price,/);
    await keeper.cancel();

    assert.equal((await cli('schedule', 'delete', name)).code, 0);
    const gone = await cli('schedule', 'describe', name);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`no schedule named "${name}"`));
  });
});
