import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { approvalLink, type SlackMessage } from '../../src/activities/approval-message';
import {
  notificationSettings,
  notifyActivities,
  WEBHOOK_DELIVERY_FAILED,
  type NotificationSettings,
} from '../../src/activities/notify';
import { parseConfigText } from '../../src/config';
import type { ApprovalEvent, ChangePlan } from '../../src/shared/approval';

const PUBLIC_URL = 'http://127.0.0.1:8787';

const PLAN: ChangePlan = {
  version: 1,
  clusterId: '3f2c0a4e-0000-4000-8000-000000000001',
  clusterName: 'clusters-example',
  resourceVersion: 2,
  changes: [{ path: 'spec.data.tier1.replicas', kind: 'changed', before: 1, after: 2 }],
  diffLines: ['spec.data.tier1.replicas: 1 → 2', 'metadata.name: clusters-example → clusters-example-scaled'],
  requester: 'dave',
  createdAt: '2026-05-01T10:00:00.000Z',
};

const REQUESTED: ApprovalEvent = {
  kind: 'requested',
  runbookId: 'lifecycle:clusters-example',
  plan: PLAN,
  pending: {
    plan: PLAN,
    policy: 'default',
    stage: 'primary',
    groups: ['ops'],
    approvers: ['alice', 'bob'],
    required: 1,
    approvals: [],
    deadline: '2026-05-02T10:00:00.000Z',
  },
};

interface Received {
  path: string;
  contentType?: string;
  body: SlackMessage;
}

/** A chat webhook on 127.0.0.1 that records what it receives and answers with the status it is told. */
class WebhookServer {
  readonly received: Received[] = [];
  status = 200;
  private server: Server = createServer((request, response) => void this.handle(request, response));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }
  /** A URL with a secret-looking path, as Slack's are: it must never appear in an error. */
  url(secret: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/services/${secret}`;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
  private async handle(request: IncomingMessage, response: ServerResponse) {
    let text = '';
    for await (const chunk of request) text += chunk;
    this.received.push({
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      body: JSON.parse(text) as SlackMessage,
    });
    response.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status === 200 ? 'ok' : 'no');
  }
}

function notify(
  webhookUrls: string[] | NotificationSettings,
  event: ApprovalEvent,
  heartbeatDetails?: unknown,
) {
  // The worker logs each failed attempt at WARN: expected here, so keep the test output readable.
  const environment = new MockActivityEnvironment(heartbeatDetails ? { heartbeatDetails } : {}, {
    logger: new DefaultLogger('ERROR'),
  });
  const heartbeats: unknown[] = [];
  environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const notifications = Array.isArray(webhookUrls) ? { webhookUrls, publicUrl: PUBLIC_URL } : webhookUrls;
  const { notifyApproval } = notifyActivities({ notifications });
  return { run: environment.run(notifyApproval, event), heartbeats };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => assert.fail('the notification should have failed'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

describe('notifyApproval', () => {
  const good = new WebhookServer();
  const broken = new WebhookServer();
  before(async () => {
    await good.start();
    await broken.start();
  });
  after(async () => {
    await good.close();
    await broken.close();
  });
  beforeEach(() => {
    good.received.length = 0;
    broken.received.length = 0;
    good.status = 200;
    broken.status = 500;
  });

  it('posts a Slack message with the cluster, the diff, who asked, the deadline and the link', async () => {
    await notify([good.url('T000/B000/secret')], REQUESTED).run;
    assert.equal(good.received.length, 1);
    const [{ body, contentType, path }] = good.received as [Received];
    assert.equal(path, '/services/T000/B000/secret');
    assert.equal(contentType, 'application/json');
    const link = `${PUBLIC_URL}/approvals/lifecycle%3Aclusters-example`;
    assert.equal(approvalLink(PUBLIC_URL, REQUESTED.runbookId), link);
    assert.match(body.text, /Approval needed: change to clusters-example/);
    assert.ok(body.text.includes(link), 'the text carries the approval link');
    const [header, facts, diff, decide] = body.blocks;
    assert.deepEqual(header, {
      type: 'header',
      text: { type: 'plain_text', text: 'Approval needed: change to clusters-example' },
    });
    const fieldTexts = facts?.type === 'section' ? (facts.fields ?? []).map((field) => field.text) : [];
    assert.ok(fieldTexts.includes(`*Cluster*\nclusters-example (\`${PLAN.clusterId}\`)`));
    assert.ok(fieldTexts.includes('*Requested by*\ndave'));
    assert.ok(fieldTexts.includes('*Approvals*\n0 of 1 (ops)'));
    assert.ok(fieldTexts.includes('*Deadline*\n2026-05-02T10:00:00.000Z'));
    assert.equal(
      diff?.type === 'section' ? diff.text?.text : undefined,
      '```\nspec.data.tier1.replicas: 1 → 2\nmetadata.name: clusters-example → clusters-example-scaled\n```',
    );
    const where = decide?.type === 'section' ? (decide.text?.text ?? '') : '';
    assert.ok(where.includes(`<${link}|Approve or reject on the page>`));
    assert.ok(where.includes('`imply-runbooks approve lifecycle:clusters-example --as <you>`'));
  });

  it('says who decided and how the gate ended', async () => {
    const decided: ApprovalEvent = {
      kind: 'decided',
      runbookId: REQUESTED.runbookId,
      plan: PLAN,
      outcome: 'rejected',
      decision: {
        decider: 'alice',
        decision: 'reject',
        planVersion: 1,
        comment: 'not during <peak> hours',
        at: '2026-05-01T11:00:00.000Z',
        via: 'update',
        outcome: 'counted',
      },
    };
    await notify([good.url('decided')], decided).run;
    const [{ body }] = good.received as [Received];
    assert.match(body.text, /^Change to clusters-example rejected: nothing applied/);
    const facts = body.blocks[1];
    const fieldTexts = facts?.type === 'section' ? (facts.fields ?? []).map((field) => field.text) : [];
    assert.ok(
      fieldTexts.includes(
        '*Decision*\nalice rejected at 2026-05-01T11:00:00.000Z (via update): “not during &lt;peak&gt; hours”',
      ),
      `decision field missing in ${JSON.stringify(fieldTexts)}`,
    );
    assert.ok(fieldTexts.includes('*Outcome*\nrejected'));
    const where = body.blocks[3];
    assert.ok(
      where?.type === 'section' &&
        where.text?.text.includes('imply-runbooks audit lifecycle:clusters-example'),
    );
  });

  it('fails retryably on a 500, naming the webhook by number and never by URL', async () => {
    const secretUrl = broken.url('T111/B222/very-secret-token');
    const failure = await failureOf(notify([good.url('one'), secretUrl], REQUESTED).run);
    assert.equal(failure.type, WEBHOOK_DELIVERY_FAILED);
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.message, 'approval notification not delivered: webhook 2 of 2 answered 500');
    const everything = JSON.stringify({
      message: failure.message,
      stack: failure.stack,
      cause: failure.cause,
    });
    assert.ok(!everything.includes('very-secret-token'), 'the webhook URL leaked into the failure');
    assert.ok(!everything.includes(String(new URL(secretUrl).port)), 'the webhook address leaked');
    assert.equal(broken.received.length, 1, 'the broken webhook was asked once per attempt');
  });

  it('on a retry posts only to the webhooks the earlier attempt did not reach', async () => {
    const urls = [good.url('first'), broken.url('second')];
    const first = notify(urls, REQUESTED);
    await failureOf(first.run);
    assert.deepEqual(first.heartbeats.at(-1), [1]);
    broken.status = 200;
    const retry = notify(urls, REQUESTED, first.heartbeats.at(-1));
    await retry.run;
    assert.equal(good.received.length, 1, 'the first webhook got the message exactly once');
    assert.equal(broken.received.length, 2, 'the second webhook got it again on the retry');
    assert.deepEqual(retry.heartbeats.at(-1), [1, 2]);
  });

  it('fails retryably when a webhook cannot be reached, without its address', async () => {
    const closed = new WebhookServer();
    await closed.start();
    const unreachable = closed.url('gone-secret');
    await closed.close();
    const failure = await failureOf(notify([unreachable], REQUESTED).run);
    assert.equal(failure.nonRetryable, false);
    assert.match(
      failure.message,
      /^approval notification not delivered: webhook 1 of 1 could not be reached \(/,
    );
    assert.ok(!failure.message.includes('gone-secret') && !failure.message.includes('127.0.0.1'));
  });

  it('gives up at once when every failed webhook refuses with a 4xx no retry can change', async () => {
    broken.status = 404;
    const failure = await failureOf(notify([broken.url('revoked')], REQUESTED).run);
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.message, 'approval notification not delivered: webhook 1 of 1 answered 404');
  });

  it('posts nothing when no webhook is configured', async () => {
    const { run, heartbeats } = notify([], REQUESTED);
    await run;
    assert.equal(good.received.length + broken.received.length, 0);
    assert.deepEqual(heartbeats, []);
    const { notifyApproval } = notifyActivities({});
    await new MockActivityEnvironment().run(notifyApproval, REQUESTED);
  });

  it('posts each event only to the webhooks the configuration says want it', async () => {
    const config = parseConfigText(
      [
        'notifications:',
        '  webhooks:',
        `    - { url: "${good.url('everything')}" }`,
        '    - { urlEnv: DECISIONS_WEBHOOK, events: [decided] }',
        'web: { publicUrl: "http://approvals.example:8787/" }',
      ].join('\n'),
    );
    const settings = notificationSettings(config, { DECISIONS_WEBHOOK: broken.url('decisions-only') });
    assert.equal(settings.publicUrl, 'http://approvals.example:8787');
    await notify(settings, REQUESTED).run;
    assert.equal(good.received.length, 1);
    assert.equal(broken.received.length, 0, 'the decisions-only webhook got a request');
    assert.ok(good.received[0]?.body.text.includes('http://approvals.example:8787/approvals/'));
    assert.throws(
      () => notificationSettings(config, {}),
      /notifications\.webhooks\[1\]\.urlEnv: .*DECISIONS_WEBHOOK/,
    );
  });
});
