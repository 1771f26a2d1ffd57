import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseConfigText, resolveApprovalPolicy, type Config } from '../../src/config';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { SESSION_COOKIE } from '../../src/web/sessions';
import { launchChromium } from '../../scripts/lib/browser';
import {
  approvalGateOf,
  createE2eEnvironment,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { freePort, startOidcProvider, type LocalOidcProvider } from '../helpers/oidc-provider';

const CLIENT_ID = 'imply-runbooks-approvals';
/** What replicas share: the same value after a restart keeps the browser's session. */
const SESSION_SECRET = randomBytes(33).toString('base64');

function configFor(webPort: number, issuer: string): Config {
  return parseConfigText(`
approvals:
  groups: { ops: [alice, bob], release-managers: [erin] }
  default: { approvers: [release-managers], required: 1, timeout: 1h }
web:
  publicUrl: http://127.0.0.1:${webPort}
  oidc:
    issuer: ${issuer}
    clientId: ${CLIENT_ID}
    scopes: [openid, email, groups]
    userClaim: email
    groupsClaim: groups
`);
}

/** From the sign-in-needed page through the provider's own login and consent forms, back to the page. */
async function signInThroughProvider(
  page: Page,
  web: RunningWebServer,
  login: string,
  path = '/approvals',
): Promise<void> {
  await page.goto(`${web.url}${path}`);
  await page.getByRole('link', { name: /^Sign in with localhost:\d+$/ }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password: the dev login form takes any');
  await page.locator('button[type="submit"]').click();
  // The consent prompt of a first sign-in.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${web.url}${path}`);
}

describe('sign-in with OpenID Connect (oidc-provider in-process, dev server, worker, headless Chromium)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let provider: LocalOidcProvider;
  let config: Config;
  let webPort: number;
  let web: RunningWebServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const logs: string[] = [];

  const startWeb = () =>
    startWebServer({
      port: webPort,
      client: environment.client,
      namespace: environment.namespace,
      config,
      sessionSecret: SESSION_SECRET,
      log: (line) => logs.push(line),
    });

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    await scenario.startWorker();
    webPort = await freePort();
    provider = await startOidcProvider({
      clientId: CLIENT_ID,
      redirectUri: `http://127.0.0.1:${webPort}/auth/callback`,
      accounts: {
        dana: { email: 'dana@example.com', groups: ['release-managers', 'staff'] },
        frank: { email: 'frank@example.com', groups: ['staff'] },
        nomail: { groups: ['release-managers'] },
      },
    });
    config = configFor(webPort, provider.issuer);
    web = await startWeb();
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await web?.close();
    await provider?.close();
    await environment?.close();
  });

  it('signs dana in through the provider, keeps her session across a restart, and counts her approval by the groups claim', async () => {
    const name = uniqueClusterName('oidc-approve');
    const approval = resolveApprovalPolicy(config, { name, tags: [] });
    assert.deepEqual(approval.stage.approvers, ['erin'], 'only the groups claim makes dana an approver');
    const lifecycle = await scenario.startRunbook(
      lifecycleInput(name, {
        scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
        approval,
        requester: 'carol',
        reason: 'release capacity',
      }),
    );
    const runbookId = (await approvalGateOf(environment.client, lifecycle, 60_000)).workflowId;
    const visibleAsPending = `WorkflowId = '${runbookId}' AND ${SEARCH_ATTRIBUTES.approval.name} = 'pending'`;
    await eventually('the gate in visibility', async () =>
      (await environment.client.workflow.count(visibleAsPending)).count === 1 ? true : undefined,
    );

    // frank signs in too, but no group of his approves this change: the gate refuses him.
    const frankContext = await browser.newContext();
    contexts.push(frankContext);
    const frankPage = await frankContext.newPage();
    await signInThroughProvider(frankPage, web, 'frank');
    assert.match(await frankPage.locator('header').innerText(), /signed in as frank@example\.com/);
    const frankCard = frankPage.locator(`article[data-runbook="${runbookId}"]`);
    assert.match(await frankCard.innerText(), /You are not among the approvers of this stage/);
    await frankCard.locator('button.approve').click();
    assert.match(
      await frankPage.locator('.problem').innerText(),
      /frank@example\.com is not an approver of this change: it needs release-managers/,
    );

    const danaContext = await browser.newContext();
    contexts.push(danaContext);
    const page = await danaContext.newPage();
    // From the gate's own page (a notification's link), and back to it.
    await signInThroughProvider(page, web, 'dana', `/approvals/${encodeURIComponent(runbookId)}`);
    assert.match(await page.locator('header').innerText(), /signed in as dana@example\.com/);
    const flowCookie = (await danaContext.cookies()).find((cookie) => cookie.name === 'imply_runbooks_oidc');
    assert.equal(flowCookie, undefined, 'the flow cookie is cleared after the callback');

    // A restart with the same secret (or another replica): the browser's session still holds.
    await web.close();
    web = await startWeb();
    await page.goto(`${web.url}/approvals`);
    assert.match(await page.locator('header').innerText(), /signed in as dana@example\.com/);
    const card = page.locator(`article[data-runbook="${runbookId}"]`);
    assert.doesNotMatch(await card.innerText(), /not among the approvers/);
    await card.locator('textarea[name="comment"]').first().fill('approved as release manager');
    await Promise.all([page.waitForURL(`${web.url}/approvals`), card.locator('button.approve').click()]);
    assert.match(
      await page.locator('.flash').innerText(),
      new RegExp(`You approved plan v1 of ${runbookId}: the gate is approved \\(1 of 1 approvals\\)`),
    );

    const result = await lifecycle.result();
    assert.equal(result.outcome, 'completed');
    assert.equal(result.approval?.outcome, 'approved');
    const counted = result.approval?.decisions.filter((decision) => decision.outcome === 'counted');
    assert.deepEqual(
      counted?.map(({ decider, decision, via, authenticatedBy, groups }) => ({
        decider,
        decision,
        via,
        authenticatedBy,
        groups,
      })),
      [
        {
          decider: 'dana@example.com',
          decision: 'approve',
          via: 'update',
          authenticatedBy: 'oidc',
          groups: ['release-managers', 'staff'],
        },
      ],
    );
    const cluster = await scenario.api.getCluster(result.clusterId);
    assert.equal(cluster.spec.data?.tier1?.replicas, 2);
    assert.ok(logs.some((line) => line.includes('dana@example.com signed in with OpenID Connect')));
    assert.ok(!logs.some((line) => /code=|access_token|id_token/.test(line)), 'no code or token in the log');
  });

  it('refuses a sign-in whose token has no email claim, with a page that says so', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${web.url}/approvals`);
    await page.getByRole('link', { name: /^Sign in with localhost:\d+$/ }).click();
    await page.locator('input[name="login"]').fill('nomail');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.pathname === '/auth/callback');
    assert.match(await page.locator('h1').innerText(), /Sign-in refused/);
    assert.match(await page.locator('.problem').innerText(), /The provider's token has no "email" claim/);
    assert.equal(
      (await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE),
      false,
      'no session was started',
    );
  });

  it('refuses a forged session cookie: it shows the sign-in page, not the approvals', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const claims = {
      user: 'dana@example.com',
      via: 'oidc',
      groups: ['release-managers'],
      expiresAt: Date.now() + 3_600_000,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    for (const value of [payload, `${payload}.${randomBytes(32).toString('base64url')}`]) {
      await context.clearCookies();
      await context.addCookies([{ name: SESSION_COOKIE, value, url: web.url }]);
      const page = await context.newPage();
      const answer = await page.goto(`${web.url}/approvals`);
      assert.equal(answer?.status(), 401);
      assert.match(await page.locator('h1').innerText(), /Sign in needed/);
      assert.equal(await page.getByRole('link', { name: /^Sign in with localhost:\d+$/ }).count(), 1);
      await page.close();
    }
  });
});
