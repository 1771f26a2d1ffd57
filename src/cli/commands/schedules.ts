import type { Command } from 'commander';
import { definitionFromFlags, type ScheduleCreateFlags } from '../../schedules/definition-from-flags';
import { formatScheduleList, formatScheduleView } from '../../schedules/schedule-output';
import {
  createPowerSchedule,
  deletePowerSchedule,
  listPowerSchedules,
  pausePowerSchedule,
  triggerPowerSchedule,
  unpausePowerSchedule,
} from '../../schedules/schedule-service';
import { describePowerSchedule } from '../../schedules/schedule-views';
import type { PowerAction } from '../../shared/power';
import { loadPrices } from '../../schedules/prices';
import { formatSchedulePreview } from '../../schedules/preview-output';
import { previewPowerSchedule } from '../../schedules/schedule-preview';
import { configuredPriceFile } from './report';
import {
  cliApiClient,
  environmentFromFlags,
  taskQueueOf,
  withEnvironmentOption,
  type EnvironmentFlags,
} from '../environment-option';
import { reasonFromFlag, requesterFrom } from '../lifecycle-input';
import { action, printJson, safe } from '../output';
import { shellQuote } from '../../shared/terminal-text';
import { withTemporal } from '../runbook-client';
import { ensureSearchAttributes } from '../search-attributes-setup';
import { withWaitFlags } from '../wait-options';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface PreviewFlags extends EnvironmentFlags {
  days: string;
  prices?: string;
  apiUrl?: string;
  vanityDomain?: string;
  config?: string;
  json?: boolean;
}

/** `imply-runbooks schedule create | list | describe | pause | unpause | trigger | delete`. */
export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Stop and start clusters on a timetable (Temporal Schedules: <name>-stop and <name>-start)');
  registerCreate(schedule);

  schedule
    .command('list')
    .description('List power schedules with their next run')
    .option('--json', 'print JSON')
    .action(
      action(async (flags: { json?: boolean }) => {
        await withTemporal(async (client) => {
          const listings = await listPowerSchedules(client);
          if (flags.json) return printJson(listings);
          if (listings.length === 0)
            return console.log('No schedules yet: create one with `imply-runbooks schedule create`');
          process.stdout.write(formatScheduleList(listings));
        });
      }),
    );

  const preview = schedule
    .command('preview <name>')
    .description(
      'Every run of the next days: the clusters each would stop or start, holidays and keep-alives applied, and the hours and money it saves',
    )
    .option('--days <n>', 'how many days ahead, 1 to 366', '30')
    .option('--prices <file>', 'hourly prices per instance type over the defaults (as report savings)')
    .option('--api-url <url>', 'Cloud Manager API base URL (default: IMPLY_API_URL)')
    .option('--vanity-domain <name>', 'Imply Cloud account name (default: IMPLY_VANITY_DOMAIN)')
    .option('--json', 'print JSON');
  withEnvironmentOption(preview, { config: true }).action(
    action(async (name: string, flags: PreviewFlags) => {
      const days = Number(flags.days);
      if (!Number.isInteger(days) || days < 1 || days > 366) {
        throw new Error(
          `--days "${flags.days}" must be a whole number of days from 1 to 366, e.g. --days 30`,
        );
      }
      const prices = flags.prices
        ? loadPrices(flags.prices)
        : loadPrices(configuredPriceFile(flags.config), 'prices (configuration file)');
      const api = cliApiClient(flags);
      await withTemporal(async (client, settings) => {
        const result = await previewPowerSchedule(client, settings.namespace, api, { name, days, prices });
        if (flags.json) return printJson(result);
        process.stdout.write(formatSchedulePreview(result));
      });
    }),
  );

  schedule
    .command('describe <name>')
    .description('Show next runs, recent runs and their outcome, paused state and note')
    .option('--next <n>', 'how many next runs to show', '5')
    .option('--json', 'print JSON')
    .action(
      action(async (name: string, flags: { json?: boolean; next: string }) => {
        await withTemporal(async (client) => {
          const view = await describePowerSchedule(client, name, Number(flags.next) || 5);
          if (flags.json) return printJson(view);
          process.stdout.write(formatScheduleView(view));
        });
      }),
    );

  schedule
    .command('pause <name>')
    .description('Pause both actions (no scheduled stop or start until unpaused)')
    .option('--reason <text>', 'why: shown by describe')
    .option('--as <user>', 'who pauses (default IMPLY_RUNBOOKS_USER or the OS user)')
    .action(
      action(async (name: string, flags: { reason?: string; as?: string }) => {
        const reason = reasonFromFlag(flags.reason);
        const note = `paused by ${requesterFrom(flags.as)}${reason ? `: ${reason}` : ''}`;
        await withTemporal((client) => pausePowerSchedule(client, name, note));
        console.log(safe`Paused ${name} (${note})`);
      }),
    );

  schedule
    .command('unpause <name>')
    .description('Resume both actions')
    .option('--as <user>', 'who unpauses (default IMPLY_RUNBOOKS_USER or the OS user)')
    .action(
      action(async (name: string, flags: { as?: string }) => {
        const note = `unpaused by ${requesterFrom(flags.as)}`;
        await withTemporal((client) => unpausePowerSchedule(client, name, note));
        console.log(safe`Unpaused ${name}`);
      }),
    );

  schedule
    .command('trigger <name>')
    .description('Run one action of the schedule now')
    .requiredOption('--action <stop|start>', 'which action to run now')
    .action(
      action(async (name: string, flags: { action: string }) => {
        const chosen = powerAction(flags.action);
        const scheduleId = await withTemporal((client) => triggerPowerSchedule(client, name, chosen));
        console.log(
          safe`Triggered ${scheduleId}: follow it with \`imply-runbooks schedule describe ${shellQuote(name)}\``,
        );
      }),
    );

  schedule
    .command('delete <name>')
    .description('Delete both schedules (runs already started finish)')
    .action(
      action(async (name: string) => {
        const deleted = await withTemporal((client) => deletePowerSchedule(client, name));
        console.log(safe`Deleted ${deleted.join(' and ')}`);
      }),
    );
}

function registerCreate(schedule: Command): void {
  const create = schedule
    .command('create <name>')
    .description(
      'Create <name>-stop and <name>-start: stop and start the selected clusters on a timetable (or, with --shrink, scale them down and back)',
    )
    .option(
      '--stop <when>',
      'when to stop, e.g. "Mon-Fri 19:00" (days and 24-hour time; join several with ";")',
    )
    .option('--start <when>', 'when to start, e.g. "Mon-Fri 07:00"')
    .option('--timezone <zone>', 'IANA zone the times are in, e.g. Europe/Berlin')
    .option(
      '--select <selector>',
      'clusters: tag=value, name=<glob> or ids=a,b (repeatable; all must match)',
      collect,
    )
    .option('--opt-out-tag <key=value>', 'tag that opts a cluster out (default imply-runbooks/schedule=off)')
    .option(
      '--skip-dates <dates>',
      'do nothing on these dates: 2026-12-24,2026-12-25, 12-24 (yearly), ranges a..b',
      collect,
    )
    .option(
      '--holidays <file.ics|region|dates>',
      'an iCalendar file of all-day holidays, the public holidays of a country or region (DE, DE-BY, US-CA; this year and the next two), or a list like --skip-dates',
      collect,
    )
    .option(
      '--enforce-off-hours <grace>',
      'after each stop, stop again any selected cluster started by hand before the next start, this long after telling its owner (e.g. 30m); a keep-alive exempts it',
    )
    .option('--off-hours-check <every>', 'how often the off-hours guard looks (default 5m)')
    .option(
      '--shrink <path=value>',
      'shrink instead of stop: at --stop scale to this (e.g. data.tier1.replicas=1, repeatable), at --start put back what each cluster had; through the change runbook and its policy',
      collect,
    )
    .option(
      '--catchup-window <duration>',
      'a run missed by an outage still happens if this late at most (default 1h)',
    )
    .option('--concurrency <n>', 'clusters acted on at once (default 10)')
    .option('--rate <n>', 'Cloud Manager requests per second for the whole fleet (default 10)')
    .option(
      '--max-failure-share <x>',
      'stop starting new clusters above this share of failures (default 0.3)',
    )
    .option('--as <user>', 'who creates it (default IMPLY_RUNBOOKS_USER or the OS user)')
    .option('--json', 'print the created schedule as JSON');
  withWaitFlags(create, 'how long one stop or start may take');
  withEnvironmentOption(create, { config: true }).action(
    action(
      async (
        name: string,
        flags: ScheduleCreateFlags & EnvironmentFlags & { as?: string; json?: boolean },
      ) => {
        const environment = environmentFromFlags(flags);
        const definition = {
          ...definitionFromFlags(name, flags, requesterFrom(flags.as)),
          environment: environment.name,
        };
        await withTemporal(async (client, settings) => {
          await ensureSearchAttributes(client.connection, settings.namespace);
          const taskQueue = taskQueueOf(environment, settings.taskQueue);
          await createPowerSchedule(client, definition, taskQueue);
          const view = await describePowerSchedule(client, name);
          if (flags.json) return printJson(view);
          console.log(safe`Created schedules ${name}-stop and ${name}-start on task queue "${taskQueue}"`);
          process.stdout.write(formatScheduleView(view));
        });
      },
    ),
  );
}

function powerAction(text: string): PowerAction {
  if (text === 'stop' || text === 'start') return text;
  throw new Error(`--action "${text}" is not an action: give stop or start`);
}
