import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { LOCAL_DEFAULTS } from '../../src/config';
import { loadConfiguredPrices } from '../../src/config/prices';
import { fleetDryRun } from '../../src/cli/fleet-dry-run';
import { runbookUiLink } from '../../src/operations/cluster-actions';
import { createPowerSchedule, POWER_ACTIONS } from '../../src/schedules/schedule-service';
import { powerScheduleId } from '../../src/schedules/schedule-spec';
import { wallTimeAt } from '../../src/schedules/time-zones';
import { parseWhen } from '../../src/schedules/when';
import { changeWorkflowId, keepAliveWorkflowId } from '../../src/shared/runbook-ids';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { launchChromium } from '../../scripts/lib/browser';
import { createE2eEnvironment, eventually, type E2eEnvironment } from '../helpers/e2e';
import { rawRequest } from '../web/web-harness';
import { createScheduleWorld, type ScheduleWorld } from '../schedules/schedule-harness';

const BERLIN = 'Europe/Berlin';

/** `daily HH:MM` about `minutes` from now in Berlin: a slot soon enough for a 2 h keep-alive to cover. */
function dailyIn(minutes: number): string {
  const wall = wallTimeAt(Date.now() + minutes * 60_000, BERLIN);
  return `daily ${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
}

describe('operations page in a real browser (dev server, emulator, worker, headless Chromium)', () => {
  let environment: E2eEnvironment;
  let world: ScheduleWorld;
  let web: RunningWebServer;
  let browser: Browser;
  let scheduleName: string;
  const tokens = {
    alice: `web-${randomBytes(18).toString('base64url')}`,
    vera: `web-${randomBytes(18).toString('base64url')}`,
  };
  const logs: string[] = [];

  before(async () => {
    environment = await createE2eEnvironment();
    world = await createScheduleWorld(environment, ['keep', 'stop']);
    await world.startWorker();
    const stop = dailyIn(75);
    const definition = world.definition({
      timeZone: BERLIN,
      stop: { text: stop, slots: parseWhen(stop) },
      start: { text: dailyIn(600), slots: parseWhen(dailyIn(600)) },
    });
    scheduleName = definition.name;
    await createPowerSchedule(environment.client, definition, world.scenario.taskQueue);
    world.remember(POWER_ACTIONS.map((action) => powerScheduleId(definition.name, action)));
    const temporal = { address: environment.address, namespace: environment.namespace };
    web = await startWebServer({
      port: 0,
      client: environment.client,
      namespace: environment.namespace,
      config: LOCAL_DEFAULTS,
      tokens,
      log: (line) => logs.push(line),
      operations: {
        client: environment.client,
        namespace: environment.namespace,
        baseTaskQueue: world.scenario.taskQueue,
        apis: { default: world.scenario.api },
        prices: loadConfiguredPrices(LOCAL_DEFAULTS),
        uiLink: (runbookId) => runbookUiLink(temporal, runbookId, {}),
      },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    await world?.close();
    await environment?.close();
  });

  const nameOf = (cluster: string) => `${cluster}-${world.team}`;
  const rowOf = (page: Page, cluster: string) => page.locator(`tr[data-cluster="${nameOf(cluster)}"]`);

  async function signIn(user: keyof typeof tokens): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${web.url}/login?token=${encodeURIComponent(tokens[user])}`);
    await page.waitForURL(`${web.url}/approvals`);
    await page.goto(`${web.url}/clusters?tag=${encodeURIComponent(`team=${world.team}`)}&tz=${BERLIN}`);
    return page;
  }

  it('an operator keeps a cluster alive and the next scheduled stop skips it', async () => {
    const page = await signIn('alice');
    const row = rowOf(page, 'keep');
    assert.match(await row.innerText(), /RUNNING/);
    assert.match(await row.locator('td.next').innerText(), new RegExp(`${scheduleName}:\\s+stop`));
    assert.doesNotMatch(await row.locator('td.next').innerText(), /skips/);

    await row.locator('summary').click();
    await row.locator('input[value="2h"]').check();
    await row.locator('input[name="reason"]').fill('launch night');
    await Promise.all([page.waitForURL(/\/clusters$/), row.locator('button.keep').click()]);
    assert.match(await page.locator('.flash').innerText(), /stays up through scheduled stops until/);

    await page.goto(`${web.url}/clusters?tag=${encodeURIComponent(`team=${world.team}`)}`);
    const kept = rowOf(page, 'keep');
    assert.match(await kept.innerText(), /by alice: launch night/);
    assert.match(await kept.locator('td.next').innerText(), /skips stop[\s\S]*kept alive by alice/);
    assert.equal(await kept.locator('summary').count(), 0, 'no second keep-alive form');

    // The fleet run's own dry run agrees: the stop would skip it.
    const dryRun = await fleetDryRun(
      { action: 'stop', selector: { tags: { team: world.team } }, requester: 'test' },
      world.scenario.api,
      { client: environment.client, namespace: environment.namespace },
    );
    const skipped = dryRun.rows.find((entry) => entry.cluster === nameOf('keep'));
    assert.equal(skipped?.decision, 'skip');
    assert.match(skipped?.why ?? '', /kept alive by alice/);
    assert.ok(logs.some((line) => line.includes(`alice kept ${nameOf('keep')} alive until`)));

    const calendar = await browser.newPage({ storageState: await page.context().storageState() });
    await calendar.goto(`${web.url}/schedules`);
    const section = calendar.locator(`section[data-schedule="${scheduleName}"]`);
    assert.match(await section.innerText(), /skips keep-[\s\S]*kept alive by alice/);
    await calendar.close();
    await page.close();
  });

  it('an operator clicks Stop and the page follows the runbook to STOPPED', async () => {
    const page = await signIn('alice');
    const row = rowOf(page, 'stop');
    await Promise.all([page.waitForURL(/\/clusters$/), row.locator('button.stop').click()]);
    const runbookId = changeWorkflowId(world.clusters.get('stop')!);
    assert.match(await page.locator('.flash').innerText(), new RegExp(`Started ${runbookId}: stop`));
    // No reload from here: the page's own refresh (every 5 s) brings the runbook's progress and the state.
    await page.locator('html[data-refreshed]').waitFor({ state: 'attached', timeout: 60_000 });
    await rowOf(page, 'stop').locator('.state', { hasText: 'STOPPED' }).waitFor({ timeout: 120_000 });
    assert.equal(await rowOf(page, 'stop').locator('button.start').count(), 1);

    await page.goto(`${web.url}/runbooks?runbook=${encodeURIComponent(runbookId)}`);
    const entry = page.locator(`tr[data-runbook="${runbookId}"]`);
    await eventually('the runbook closed in visibility', async () => {
      await page.reload();
      return /completed/.test(await entry.innerText()) ? true : undefined;
    });
    assert.match(await entry.innerText(), /power/);
    assert.match(await entry.innerText(), /alice/);
    assert.match((await entry.locator('a').getAttribute('href')) ?? '', /\/workflows\/change%3A/);
    assert.equal((await world.scenario.api.getCluster(world.clusters.get('stop')!)).status?.state, 'STOPPED');
    await page.close();
  });

  it('lets an operator pause and unpause a schedule, and shows the savings chart', async () => {
    const page = await signIn('alice');
    await page.goto(`${web.url}/schedules`);
    const section = page.locator(`section[data-schedule="${scheduleName}"]`);
    await Promise.all([page.waitForURL(/\/schedules$/), section.locator('button.pause').click()]);
    assert.match(await page.locator('.flash').innerText(), new RegExp(`Schedule ${scheduleName} paused`));
    const stopSchedule = environment.client.schedule.getHandle(powerScheduleId(scheduleName, 'stop'));
    assert.equal((await stopSchedule.describe()).state.paused, true);
    assert.match(await section.innerText(), /\(paused\)/);
    await Promise.all([page.waitForURL(/\/schedules$/), section.locator('button.unpause').click()]);
    assert.equal((await stopSchedule.describe()).state.paused, false);
    assert.ok(logs.some((line) => line.includes(`alice paused schedule ${scheduleName}`)));

    await page.goto(`${web.url}/savings`);
    assert.equal(await page.locator('svg.chart rect').count(), 60, 'two bars for each of 30 days');
    assert.match(await page.locator('table.savings').innerText(), new RegExp(nameOf('stop')));
    await page.close();
  });

  it('shows a viewer no buttons and refuses forged POSTs without changing anything', async () => {
    const page = await signIn('vera');
    const row = rowOf(page, 'keep');
    assert.match(await row.innerText(), /RUNNING/);
    assert.equal(await page.locator('main button:not(.filter), main details').count(), 0);
    const veraCookie = (await page.context().cookies())
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
    const alice = await signIn('alice');
    const aliceCookie = (await alice.context().cookies())
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
    const csrf = await alice.locator('input[name="csrf"]').first().inputValue();
    const keepId = world.clusters.get('keep')!;
    const host = new URL(web.url).host;
    const post = (cookie: string, body: string, origin = web.url) =>
      rawRequest(`${web.url}/clusters/default/${keepId}/power`, {
        method: 'POST',
        headers: {
          Host: host,
          Cookie: cookie,
          Origin: origin,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body,
      });
    const asViewer = await post(veraCookie, `csrf=x&action=stop`);
    assert.equal(asViewer.status, 403);
    assert.match(asViewer.body, /vera is a viewer/);
    const noCsrf = await post(aliceCookie, 'action=stop');
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.body, /stale or was not made by this page/);
    const crossSite = await post(
      aliceCookie,
      `csrf=${encodeURIComponent(csrf)}&action=stop`,
      'https://evil.example',
    );
    assert.equal(crossSite.status, 403);
    assert.match(crossSite.body, /posted from/);

    await assert.rejects(environment.client.workflow.getHandle(changeWorkflowId(keepId)).describe());
    assert.equal((await world.scenario.api.getCluster(keepId)).status?.state, 'RUNNING');
    const keepAlive = await environment.client.workflow.getHandle(keepAliveWorkflowId(keepId)).describe();
    assert.equal(keepAlive.status.name, 'RUNNING', 'the keep-alive set above is untouched');
    await alice.close();
    await page.close();
  });
});
