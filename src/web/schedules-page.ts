import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PowerScheduleListing } from '../schedules/schedule-service';
import { pausePowerSchedule, unpausePowerSchedule } from '../schedules/schedule-service';
import type { SchedulePreview } from '../schedules/schedule-preview';
import { html, type SafeHtml } from './html';
import { redirect, WebProblem } from './http-io';
import { guardPost } from './operations-guards';
import { operationsOf, operationsViewer, sendOperationsPage, takeFlash } from './operations-routes';
import { schedulePreviews } from './operations-source';
import { localTime, type OperationsViewer } from './operations-views';
import type { RouteContext } from './routes';
import { sessionCookieValue } from './sessions';

/** GET /schedules: each schedule's next 7 days as a calendar; POST pause/unpause for operators. */

const DAYS = 7;

function dayKey(at: string | number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(at));
}

function dayLabel(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  }).format(new Date(at));
}

/** The 7 days from `from`, each with its slots and holidays, in the schedule's zone. Pure. */
export function renderCalendar(preview: SchedulePreview, viewer: OperationsViewer): SafeHtml {
  const fromMs = Date.parse(preview.from);
  const days = Array.from({ length: DAYS }, (_, index) => fromMs + index * 86_400_000);
  return html`<div class="calendar" role="list">
    ${days.map((dayMs) => {
      const key = dayKey(dayMs, preview.timeZone);
      const slots = preview.slots.filter((slot) => dayKey(slot.at, preview.timeZone) === key);
      const holidays = preview.holidays.filter((holiday) => holiday.date === key);
      return html`<div class="day" role="listitem" data-day="${key}">
        <strong>${dayLabel(dayMs, preview.timeZone)}</strong>
        ${holidays.map((holiday) => html`<div class="note">holiday: ${holiday.label} (${holiday.actions.join(', ')} skipped)</div>`)}
        ${slots.map(
          (slot) =>
            html`<div class="slot">
              <strong>${slot.action}</strong> ${localTime(slot.at, preview.timeZone).split(' ').pop()}
              ${viewer.timeZone !== preview.timeZone ? html`<span class="muted">(${localTime(slot.at, viewer.timeZone)} ${viewer.timeZone})</span>` : ''}
              <div>
                ${slot.acts.length > 0 ? slot.acts.join(', ') : html`<span class="muted">no cluster</span>`}
              </div>
              ${slot.skipped.map((entry) => html`<div class="muted">skips ${entry.cluster}: ${entry.reason}</div>`)}
            </div>`,
        )}
        ${slots.length === 0 && holidays.length === 0 ? html`<div class="muted">—</div>` : ''}
      </div>`;
    })}
  </div>`;
}

/** Paused actions: the schedules' own description when read, else the (eventually consistent) listing. Pure. */
function pausedActions(listing: PowerScheduleListing, preview?: SchedulePreview): string[] {
  if (preview) return [...preview.paused];
  return listing.actions.filter((action) => action.paused).map((action) => action.action);
}

function pauseForm(listing: PowerScheduleListing, paused: boolean, viewer: OperationsViewer): SafeHtml {
  if (!viewer.mayOperate) return html``;
  const action = paused ? 'unpause' : 'pause';
  return html`<form
    method="post"
    action="/schedules/${encodeURIComponent(listing.name)}/${action}"
    class="inline"
  >
    <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
    <button type="submit" class="${action}">${paused ? 'Unpause' : 'Pause'} ${listing.name}</button>
  </form>`;
}

/** GET /schedules. Read-only. */
export async function schedulesPage(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  url: URL,
) {
  const viewer = operationsViewer(request, response, context, url);
  const entries = await schedulePreviews(operationsOf(context), DAYS);
  const sections = entries.map(({ listing, preview, problem }) => {
    const paused = pausedActions(listing, preview);
    return html`<section class="card" data-schedule="${listing.name}">
      <h2>${listing.name}</h2>
      <p class="muted">
        ${listing.select} · ${listing.timeZone} · environment ${listing.environment} ·
        ${listing.actions.map(
          (action) =>
            html`${action.action} ${action.when}${paused.includes(action.action) ? ' (paused)' : ''}; `,
        )}
      </p>
      ${pauseForm(listing, paused.length > 0, viewer)}
      ${paused.length > 0 ? html`<p class="note">Paused (${paused.join(', ')}): those slots do not run.</p>` : ''}
      ${problem ? html`<p class="problem">Cannot preview: ${problem}</p>` : preview ? renderCalendar(preview, viewer) : ''}
    </section>`;
  });
  const body = html`<h1>Schedules: the next ${DAYS} days</h1>
    <div data-live="schedules">
      ${sections.length > 0 ? sections : html`<p class="muted">No power schedule exists.</p>`}
    </div>`;
  sendOperationsPage(response, {
    title: 'Schedules',
    user: viewer.user,
    flash: takeFlash(request, context),
    body,
  });
}

/** POST /schedules/<name>/pause|unpause: operators only; pauses or unpauses both of its schedules. Safe to repeat. */
export async function scheduleAction(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
  target: { name: string; action: 'pause' | 'unpause' },
) {
  const { user } = await guardPost(request, response, context, 'operator');
  const client = operationsOf(context).client;
  const note = `${target.action}d by ${user} on the operations page`;
  try {
    if (target.action === 'pause') await pausePowerSchedule(client, target.name, note);
    else await unpausePowerSchedule(client, target.name, note);
  } catch (error) {
    if (/no schedule named/.test((error as Error).message))
      throw new WebProblem(404, 'No such schedule', (error as Error).message);
    throw error;
  }
  context.log(`[web] ${user} ${target.action}d schedule ${target.name}`, { user });
  const session = context.sessions.find(sessionCookieValue(request.headers.cookie));
  if (session) session.flash = `Schedule ${target.name} ${target.action}d.`;
  redirect(response, '/schedules');
}
