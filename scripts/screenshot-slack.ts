/**
 * Draws the Slack messages of one approval (the request with its buttons, then the same message
 * updated in place after a click) in the page's own style, and saves a picture for the README:
 *
 *   npx tsx scripts/screenshot-slack.ts [docs/images/slack-approval.png]
 *
 * The messages are the ones the worker and the web server send (`approvalMessage`, `outcomeNote`);
 * Slack's renderer is not available offline, so `src/web/block-kit-preview.ts` draws the blocks.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { approvalMessage } from '../src/activities/approval-message';
import { planCost } from '../src/activities/change-cost';
import { loadPrices } from '../src/config/prices';
import type { ApprovalEvent, PendingApproval } from '../src/shared/approval';
import { renderMessagesPage } from '../src/web/block-kit-preview';
import { outcomeNote } from '../src/web/slack-interactivity';
import { launchChromium } from './lib/browser';

const OUTPUT = path.resolve(process.argv[2] ?? 'docs/images/slack-approval.png');
const PUBLIC_URL = 'https://runbooks.example.com';

// The cluster before and after, priced with the default table as a worker prices a plan.
const spec = (dataReplicas: number) => ({
  spec: {
    version: '2024.09',
    awsInstanceRole: 'imply-role',
    master: { replicas: 3, instanceType: 'm5.large' },
    query: { replicas: 2, instanceType: 'm5.xlarge' },
    data: { tier1: { replicas: dataReplicas, instanceType: 'r5.2xlarge' } },
  },
});
const cost = planCost(spec(2) as never, spec(4) as never, loadPrices());

const plan: PendingApproval['plan'] = {
  version: 1,
  clusterId: '7c0a64f4-3b8e-4bb2-a0d1-5f8e2c9d1a10',
  clusterName: 'orders-analytics',
  resourceVersion: 12,
  changes: [{ path: 'spec.data.tier1.replicas', kind: 'changed', before: 2, after: 4 }],
  diffLines: ['~ spec.data.tier1.replicas: 2 → 4'],
  cost,
  requester: 'carol',
  reason: 'Black Friday query load',
  createdAt: '2026-12-06T09:12:00.000Z',
};
const pending: PendingApproval = {
  plan,
  policy: 'production',
  stage: 'primary',
  groups: ['ops'],
  approvers: ['alice', 'bob'],
  required: 1,
  approvals: [],
  deadline: '2026-12-06T13:12:00.000Z',
};
const runbookId = `change:${plan.clusterId}`;
const requested: ApprovalEvent = { kind: 'requested', runbookId, plan, pending };
const approved: ApprovalEvent = {
  kind: 'decided',
  runbookId,
  plan,
  outcome: 'approved',
  decision: {
    decider: 'alice',
    decision: 'approve',
    planVersion: 1,
    at: '2026-12-06T09:14:31.000Z',
    via: 'update',
    outcome: 'counted',
    authenticatedBy: 'slack',
  },
};
const note = outcomeNote(
  { id: 'U0ALICE' },
  'alice',
  'approve',
  { runbookId, planVersion: 1 },
  {
    ok: true,
    ack: { accepted: true, state: 'approved', approvals: 1, required: 1 },
  },
);

const page = renderMessagesPage([
  {
    caption: 'The request, posted by the bot with Approve and Reject (Reject asks for a reason in a modal):',
    message: approvalMessage(requested, PUBLIC_URL, { interactive: true }),
    at: '09:12',
  },
  {
    caption: 'The same message, updated in place after alice clicked Approve:',
    message: approvalMessage(approved, PUBLIC_URL, { interactive: true, note }),
    at: '09:14',
  },
]);

async function main() {
  const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-slack-preview-'));
  try {
    const file = path.join(directory, 'messages.html');
    writeFileSync(file, page);
    const browser = await launchChromium(undefined, { systemFonts: true });
    try {
      const tab = await browser.newPage({ viewport: { width: 860, height: 600 }, deviceScaleFactor: 1 });
      await tab.goto(pathToFileURL(file).href);
      mkdirSync(path.dirname(OUTPUT), { recursive: true });
      await tab.locator('main').screenshot({ path: OUTPUT });
    } finally {
      await browser.close();
    }
    console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
