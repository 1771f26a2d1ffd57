import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { LOCAL_DEFAULTS, resolveApprovalPolicy } from '../../src/config';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import { launchChromium } from '../../scripts/lib/browser';
import {
  createE2eEnvironment,
  approvalGateOf,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/** Where the one screenshot goes, for a person to look at the page (not committed). */
const SCREENSHOT = path.join(os.tmpdir(), 'imply-runbooks-approvals-page.png');

describe('approvals page in a real browser (dev server, emulator, worker, headless Chromium)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let web: RunningWebServer;
  let browser: Browser;
  const aliceToken = `web-${randomBytes(18).toString('base64url')}`;

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    await scenario.startWorker();
    web = await startWebServer({
      port: 0,
      client: environment.client,
      namespace: environment.namespace,
      config: LOCAL_DEFAULTS,
      tokens: { alice: aliceToken },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    await environment?.close();
  });

  it('lets alice sign in, see the diff, click Approve, and the runbook scales the cluster', async () => {
    const name = uniqueClusterName('web-approve');
    const lifecycle = await scenario.startRunbook(
      lifecycleInput(name, {
        scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
        approval: resolveApprovalPolicy(LOCAL_DEFAULTS, { name, tags: [] }),
        requester: 'carol',
        reason: 'more query capacity',
      }),
    );
    // The lifecycle's scale is the cluster's change runbook, which holds the gate.
    const handle = await approvalGateOf(environment.client, lifecycle, 60_000);
    const runbookId = handle.workflowId;
    const visibleAsPending = `WorkflowId = '${runbookId}' AND ${SEARCH_ATTRIBUTES.approval.name} = 'pending'`;
    await eventually('the gate in visibility', async () =>
      (await environment.client.workflow.count(visibleAsPending)).count === 1 ? true : undefined,
    );

    const page = await browser.newPage();
    await page.goto(`${web.url}/login?token=${encodeURIComponent(aliceToken)}`);
    await page.waitForURL(`${web.url}/approvals`);
    assert.match(await page.locator('header').innerText(), /signed in as alice/);
    const card = page.locator(`article[data-runbook="${runbookId}"]`);
    assert.match(await card.locator('h3').innerText(), new RegExp(`Cluster ${name}`));
    const replicasRow = card.locator('table.diff tbody tr', { hasText: 'spec.data.tier1.replicas' });
    assert.deepEqual(await replicasRow.locator('td').allInnerTexts(), ['spec.data.tier1.replicas', '1', '2']);
    assert.match(await card.innerText(), /Asked by\s+carol/);
    assert.match(await card.innerText(), /Approvals\s+0 of 1: none yet/);
    assert.match(await card.innerText(), /Approvers\s+ops: alice, bob/);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await card.locator('textarea[name="comment"]').first().fill('two replicas for the launch');
    await Promise.all([page.waitForURL(`${web.url}/approvals`), card.locator('button.approve').click()]);
    assert.match(
      await page.locator('.flash').innerText(),
      new RegExp(`You approved plan v1 of ${runbookId}: the gate is approved \\(1 of 1 approvals\\)`),
    );

    const decidedRow = page.locator('table[aria-label="recent decisions"] tbody tr', { hasText: runbookId });
    await eventually('the decision among the recent ones', async () => {
      await page.reload();
      return (await decidedRow.count()) === 1 ? true : undefined;
    });
    assert.match(
      await decidedRow.innerText(),
      /approved\s+alice approved v1 \(update, token-link\): “two replicas for the launch”/,
    );
    assert.equal(await page.locator(`article[data-runbook="${runbookId}"]`).count(), 0);

    const result = await lifecycle.result();
    assert.equal(result.outcome, 'completed');
    assert.equal(result.scaleChange?.runbookId, runbookId);
    assert.equal(result.approval?.outcome, 'approved');
    const counted = result.approval?.decisions.filter((decision) => decision.outcome === 'counted');
    assert.deepEqual(
      counted?.map(({ decider, decision, via, comment }) => ({ decider, decision, via, comment })),
      [{ decider: 'alice', decision: 'approve', via: 'update', comment: 'two replicas for the launch' }],
    );
    const cluster = await scenario.api.getCluster(result.clusterId);
    assert.equal(cluster.spec.data?.tier1?.replicas, 2);
    await page.close();
  });
});
