import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { definitionFromFlags, type ScheduleCreateFlags } from '../../src/schedules/definition-from-flags';
import type { ScheduledRunInput } from '../../src/schedules/scheduled-run';
import { buildScheduleOptions } from '../../src/schedules/schedule-spec';

const BASE: ScheduleCreateFlags = {
  stop: 'Mon-Fri 19:00',
  start: 'Mon-Fri 07:00',
  timezone: 'Europe/Berlin',
  select: ['env=test'],
};

describe('schedule create flags', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'holidays-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('builds the definition of "stop test clusters at 19:00 Berlin time on weekdays, start at 07:00, not on 24-26 December"', () => {
    const definition = definitionFromFlags(
      'test-nightly',
      { ...BASE, skipDates: ['2026-12-24..2026-12-26'], concurrency: '5', rate: '4', maxFailureShare: '0.2' },
      'alice',
    );
    assert.equal(definition.timeZone, 'Europe/Berlin');
    assert.deepEqual(definition.stop, {
      text: 'Mon-Fri 19:00',
      slots: [{ days: [1, 2, 3, 4, 5], hour: 19, minute: 0 }],
    });
    assert.deepEqual(definition.selector, { tags: { env: 'test' } });
    assert.equal(definition.selectText, 'env=test');
    assert.deepEqual(
      definition.skipDates.map((date) => date.day),
      [24, 25, 26],
    );
    assert.equal(definition.catchupWindowMs, 3_600_000);
    assert.deepEqual(
      [definition.concurrency, definition.requestsPerSecond, definition.maxFailureShare],
      [5, 4, 0.2],
    );
    assert.equal(definition.createdBy, 'alice');
  });

  it('makes a shrink schedule: both runs carry the values, typed, and the memo says so; bad ones name --shrink', () => {
    const definition = definitionFromFlags(
      'test-shrink',
      { ...BASE, shrink: ['data.tier1.replicas=1', 'query.instanceType=t2.small'] },
      'alice',
    );
    const shrink = [
      { path: 'spec.data.tier1.replicas', value: 1 },
      { path: 'spec.query.instanceType', value: 't2.small' },
    ];
    assert.deepEqual(definition.shrink, shrink);
    for (const action of ['stop', 'start'] as const) {
      const options = buildScheduleOptions(definition, action, 'queue', Date.parse('2026-12-01T00:00:00Z'));
      const input = (options.action as { args: ScheduledRunInput[] }).args[0]!;
      assert.deepEqual(input.fleet.shrink, shrink, action);
      assert.equal(input.offHours, undefined);
      assert.equal(
        (options.memo as { powerSchedule: { shrink: string } }).powerSchedule.shrink,
        'spec.data.tier1.replicas=1, spec.query.instanceType=t2.small',
      );
    }
    assert.throws(
      () => definitionFromFlags('n', { ...BASE, shrink: ['version=2023.01'] }, 'alice'),
      /--shrink: spec\.version: a scale changes only replicas and instanceType/,
    );
    assert.throws(
      () =>
        definitionFromFlags(
          'n',
          { ...BASE, shrink: ['data.tier1.replicas=1', 'data.tier1.replicas=2'] },
          'a',
        ),
      /--shrink names spec\.data\.tier1\.replicas twice/,
    );
    assert.throws(
      () => definitionFromFlags('n', { ...BASE, shrink: ['data.tier1.replicas=0'] }, 'alice'),
      /--shrink: .*replicas/,
    );
  });

  it('enforces off-hours on request: the stop runs carry the grace and when off-hours end', () => {
    const definition = definitionFromFlags(
      'test-nightly',
      { ...BASE, enforceOffHours: '30m', offHoursCheck: '2m' },
      'alice',
    );
    assert.deepEqual(definition.offHours, { graceMs: 1_800_000, checkEveryMs: 120_000 });
    const stop = buildScheduleOptions(definition, 'stop', 'queue', Date.parse('2026-12-01T00:00:00Z'));
    const start = buildScheduleOptions(definition, 'start', 'queue', Date.parse('2026-12-01T00:00:00Z'));
    const stopInput = (stop.action as { args: ScheduledRunInput[] }).args[0]!;
    assert.deepEqual(stopInput.offHours, {
      graceMs: 1_800_000,
      checkEveryMs: 120_000,
      startSlots: [{ days: [1, 2, 3, 4, 5], hour: 7, minute: 0 }],
    });
    assert.equal((start.action as { args: ScheduledRunInput[] }).args[0]!.offHours, undefined);
    assert.match(
      String((stop.memo?.powerSchedule as { offHours?: string }).offHours),
      /stopped again 30m after/,
    );
    assert.throws(
      () => definitionFromFlags('n', { ...BASE, enforceOffHours: '0s' }, 'alice'),
      /--enforce-off-hours 0s: give a grace period from 1m to 24h/,
    );
    assert.throws(
      () => definitionFromFlags('n', { ...BASE, enforceOffHours: '2d' }, 'alice'),
      /--enforce-off-hours 2d: give a grace period from 1m to 24h/,
    );
    assert.throws(
      () => definitionFromFlags('n', { ...BASE, offHoursCheck: '5m' }, 'alice'),
      /--off-hours-check needs --enforce-off-hours/,
    );
  });

  it('reads holidays from an .ics file and from a list', () => {
    const file = path.join(directory, 'holidays.ics');
    writeFileSync(
      file,
      'BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20270101\nSUMMARY:New Year\nEND:VEVENT\nEND:VCALENDAR\n',
    );
    const definition = definitionFromFlags('n', { ...BASE, holidays: [file, '12-31'] }, 'alice');
    assert.deepEqual(definition.skipDates, [
      { year: 2027, month: 1, day: 1, label: 'New Year' },
      { month: 12, day: 31 },
    ]);
  });

  it('refuses bad flags, naming the flag and what it accepts', () => {
    const refuse = (flags: Partial<ScheduleCreateFlags>, pattern: RegExp) =>
      assert.throws(() => definitionFromFlags('n', { ...BASE, ...flags }, 'alice'), pattern);
    refuse({ start: undefined }, /give both --stop "<when>" and --start "<when>"/);
    refuse({ timezone: undefined }, /--timezone is required: write a zone name such as Europe\/Berlin/);
    refuse({ timezone: 'Mars/Olympus' }, /--timezone "Mars\/Olympus" is not an IANA time zone/);
    refuse({ select: [] }, /give at least one --select: write tag=value/);
    refuse({ catchupWindow: '5s' }, /--catchup-window "5s" is too short: give at least 10s/);
    refuse({ catchupWindow: '2d' }, /--catchup-window "2d" is too long: give at most 24h/);
    refuse({ catchupWindow: 'soon' }, /--catchup-window "soon" is not a duration/);
    refuse({ concurrency: 'ten' }, /--concurrency "ten" is not a number: give a whole number such as 10/);
    refuse(
      { maxFailureShare: '2' },
      /maxFailureShare must be between 0 and 1, e.g. 0.3 \(--max-failure-share; got 2\)/,
    );
    refuse({ holidays: [path.join(directory, 'missing.ics')] }, /--holidays .*missing\.ics: no such file/);
    assert.throws(
      () => definitionFromFlags('bad name!', BASE, 'alice'),
      /schedule name "bad name!" is not usable: use letters, digits/,
    );
  });
});
