import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { APPROVE_ACTION, REJECT_ACTION } from '../../src/activities/approval-message';
import { loadConfig, resolveApprovalPolicy, type Config } from '../../src/config';
import { slackSignatureHeaders } from '../../src/slack/signature';
import { signatureHeaders } from '../../src/triggers/trigger-signature';
import { DECISION_SECRET_VARIABLE } from '../../src/web/decision-endpoint';
import { pendingApprovalQuery } from '../../src/workflows/approval-messages';
import { startWebServer, type RunningWebServer } from '../../src/web/server';
import {
  approvalGateOf,
  createE2eEnvironment,
  eventually,
  lifecycleInput,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { startSlackStandIn, type SlackCall, type SlackStandIn } from '../helpers/slack-stand-in';

/**
 * Approvals decided in Slack and through the generic decision endpoint, end to end: a real worker
 * process posts the request through the bot token to a local stand-in for Slack's Web API; the real
 * web server takes clicks signed as Slack signs them, maps Slack users to people, and sends the same
 * decision the page sends, so four eyes and plan versions hold; the message is updated in place
 * through the interaction's response_url. Nothing calls Slack.
 */

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

describe('approvals in Slack and through the signed decision endpoint (dev server, worker process, web server)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let slack: SlackStandIn;
  let web: RunningWebServer;
  let config: Config;
  let directory: string;
  const signingSecret = randomBytes(16).toString('hex');
  const botToken = `xoxb-${randomBytes(12).toString('hex')}`;
  const decisionSecret = randomBytes(32).toString('hex');

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    slack = await startSlackStandIn({ U0BOB: 'Bob@Example.com' });
    directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-slack-'));
    const file = path.join(directory, 'imply-runbooks.config.yaml');
    writeFileSync(
      file,
      [
        'approvals:',
        '  groups: { ops: [alice, bob] }',
        '  default: { approvers: [ops], required: 1, timeout: 1h }',
        'notifications:',
        '  slack:',
        '    signingSecretEnv: TEST_SLACK_SIGNING_SECRET',
        '    botTokenEnv: TEST_SLACK_BOT_TOKEN',
        '    channel: C0APPROVALS',
        `    apiUrl: ${slack.apiUrl}`,
        '    users: { U0ALICE: alice, bob@example.com: bob }',
        '',
      ].join('\n'),
    );
    config = loadConfig({ path: file, env: {} });
    await scenario.startWorkerProcess({
      env: { IMPLY_RUNBOOKS_CONFIG: file, TEST_SLACK_BOT_TOKEN: botToken },
    });
    web = await startWebServer({
      port: 0,
      client: environment.client,
      namespace: environment.namespace,
      config,
      env: {
        TEST_SLACK_SIGNING_SECRET: signingSecret,
        TEST_SLACK_BOT_TOKEN: botToken,
        [DECISION_SECRET_VARIABLE]: decisionSecret,
      },
    });
  });
  after(async () => {
    await web?.close();
    await slack?.close();
    await environment?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function gateOf(name: string, requester: string) {
    const lifecycle = await scenario.startRunbook(
      lifecycleInput(name, {
        scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
        approval: resolveApprovalPolicy(config, { name, tags: [] }),
        requester,
        reason: 'launch traffic',
      }),
    );
    const gate = await approvalGateOf(environment.client, lifecycle, 60_000);
    return { lifecycle, runbookId: gate.workflowId };
  }

  /** The bot's message for this runbook's request, once the worker has posted it. */
  function requestMessage(runbookId: string): Promise<SlackCall> {
    return eventually(
      'the approval request posted by the bot',
      () =>
        slack
          .callsTo('/api/chat.postMessage')
          .find(
            (call) =>
              String(call.body.text).includes(runbookId) &&
              String(call.body.text).startsWith('Approval needed'),
          ),
      { timeoutMs: 30_000 },
    );
  }

  function buttonsOf(message: SlackCall | Record<string, unknown>) {
    const body = 'body' in message ? (message as SlackCall).body : message;
    const blocks = body.blocks as Array<{
      type: string;
      elements?: Array<{ action_id: string; value: string }>;
    }>;
    return blocks.find((block) => block.type === 'actions')?.elements ?? [];
  }

  async function interact(payload: Record<string, unknown>, headers?: Record<string, string>) {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const response = await request(`${web.url}/api/slack/interactivity`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(headers ?? slackSignatureHeaders(signingSecret, body)),
      },
      body,
    });
    const text = await response.body.text();
    await web.settled();
    return { status: response.statusCode, text };
  }

  function click(user: string, action: string, value: string, responseUrl = slack.responseUrl()) {
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase() },
      trigger_id: `trigger-${randomBytes(4).toString('hex')}`,
      response_url: responseUrl,
      actions: [{ type: 'button', action_id: action, block_id: 'imply_runbooks_decision', value }],
    };
    return { payload, responseUrl, send: (headers?: Record<string, string>) => interact(payload, headers) };
  }

  /** What the last update in place through `responseUrl` said (its note is the last block). */
  function updateAt(responseUrl: string) {
    const calls = slack.callsTo(responseUrl);
    const last = calls.at(-1)?.body;
    assert.ok(last, `nothing was posted to the response_url ${responseUrl}`);
    assert.equal(last.replace_original, true);
    const blocks = last.blocks as Array<{ type: string; elements?: Array<{ text?: string }> }>;
    return { body: last, note: String(blocks.at(-1)?.elements?.[0]?.text ?? '') };
  }

  async function pendingApprovals(runbookId: string) {
    return environment.client.workflow.getHandle(runbookId).query(pendingApprovalQuery);
  }

  it('posts the request with buttons; refuses forged, stale, unmapped and own-change clicks; approves on a mapped approver’s click', async () => {
    const { lifecycle, runbookId } = await gateOf(uniqueClusterName('slack-approve'), 'bob');
    const posted = await requestMessage(runbookId);
    assert.equal(posted.authorization, `Bearer ${botToken}`);
    assert.equal(posted.body.channel, 'C0APPROVALS');
    const [approve, reject] = buttonsOf(posted);
    assert.equal(approve?.action_id, APPROVE_ACTION);
    assert.equal(reject?.action_id, REJECT_ACTION);
    assert.deepEqual(JSON.parse(approve!.value), { runbookId, planVersion: 1 });

    // Forged: signed with another secret; stale: signed correctly 6 minutes ago. Neither reaches the gate.
    const forged = click('U0ALICE', APPROVE_ACTION, approve!.value);
    const forgedBody = new URLSearchParams({ payload: JSON.stringify(forged.payload) }).toString();
    const wrongKey = await forged.send(slackSignatureHeaders('not-the-secret', forgedBody));
    assert.equal(wrongKey.status, 401);
    assert.match(wrongKey.text, /X-Slack-Signature does not match/);
    const stale = await forged.send(
      slackSignatureHeaders(signingSecret, forgedBody, Date.now() - 6 * 60_000),
    );
    assert.equal(stale.status, 401);
    assert.match(stale.text, /from the server's clock/);
    const unsigned = await forged.send({});
    assert.equal(unsigned.status, 401);
    assert.equal(slack.callsTo(forged.responseUrl).length, 0);

    // Someone Slack knows but the configuration does not.
    const mallory = click('U0MALLORY', APPROVE_ACTION, approve!.value);
    assert.equal((await mallory.send()).status, 200);
    assert.match(
      updateAt(mallory.responseUrl).note,
      /<@U0MALLORY> tried to approve plan v1, but their Slack account is not mapped/,
    );

    // bob (known by the e-mail Slack gives for U0BOB) asked for this change: four eyes.
    const own = click('U0BOB', APPROVE_ACTION, approve!.value);
    await own.send();
    assert.match(
      updateAt(own.responseUrl).note,
      /<@U0BOB> \(bob\) could not approve plan v1: bob requested this change and cannot approve it \(four eyes\)/,
    );
    assert.equal(
      buttonsOf(updateAt(own.responseUrl).body).length,
      2,
      'the gate is still open: the buttons stay',
    );

    // A click on a plan version that is not the current one.
    const old = click('U0ALICE', APPROVE_ACTION, JSON.stringify({ runbookId, planVersion: 7 }));
    await old.send();
    assert.match(updateAt(old.responseUrl).note, /could not approve plan v7: .*plan version 7/);
    assert.deepEqual((await pendingApprovals(runbookId))?.approvals, []);

    const alice = click('U0ALICE', APPROVE_ACTION, approve!.value);
    assert.equal((await alice.send()).status, 200);
    const update = updateAt(alice.responseUrl);
    assert.match(
      update.note,
      /:white_check_mark: <@U0ALICE> \(alice\) approved plan v1: the gate is approved \(1 of 1 approvals\)/,
    );
    assert.equal(buttonsOf(update.body).length, 0, 'a closed gate has no buttons');
    assert.match(String(update.body.text), /approved: the runbook goes on/);

    const result = await lifecycle.result();
    assert.equal(result.outcome, 'completed');
    const counted = result.approval?.decisions.filter((decision) => decision.outcome === 'counted');
    assert.deepEqual(
      counted?.map(({ decider, decision, authenticatedBy }) => ({ decider, decision, authenticatedBy })),
      [{ decider: 'alice', decision: 'approve', authenticatedBy: 'slack' }],
    );
    const everything = JSON.stringify(slack.calls.filter((call) => call.path.startsWith('/hooks/')));
    assert.ok(
      !everything.includes(botToken) && !everything.includes(signingSecret),
      'no secret in any message',
    );
  });

  it('asks for a reason in a modal on Reject, and rejects with it', async () => {
    const { lifecycle, runbookId } = await gateOf(uniqueClusterName('slack-reject'), 'carol');
    const [, reject] = buttonsOf(await requestMessage(runbookId));
    const bob = click('U0BOB', REJECT_ACTION, reject!.value);
    assert.equal((await bob.send()).status, 200);
    const opened = slack
      .callsTo('/api/views.open')
      .find((call) => call.body.trigger_id === bob.payload.trigger_id);
    assert.ok(opened, 'the reject modal was opened for the click');
    const view = opened.body.view as { callback_id: string; private_metadata: string };

    const submit = (reason: string) =>
      interact({
        type: 'view_submission',
        user: { id: 'U0BOB' },
        view: {
          ...view,
          state: { values: { reason: { reason: { type: 'plain_text_input', value: reason } } } },
        },
      });
    const empty = await submit('   ');
    assert.deepEqual(JSON.parse(empty.text), {
      response_action: 'errors',
      errors: { reason: 'Write why the change is rejected.' },
    });
    assert.equal(slack.callsTo(bob.responseUrl).length, 0);

    await submit('not during the freeze');
    assert.match(
      updateAt(bob.responseUrl).note,
      /:no_entry: <@U0BOB> \(bob\) rejected plan v1: the gate is rejected/,
    );
    const result = await lifecycle.result();
    assert.equal(result.outcome, 'rejected');
    const decided = result.approval?.decisions.find((decision) => decision.outcome === 'counted');
    assert.equal(decided?.comment, 'not during the freeze');
    assert.equal(decided?.authenticatedBy, 'slack');
  });

  it('takes a decision from another chat tool through the signed endpoint (the documented example), and refuses unsigned, replayed and malformed ones', async () => {
    const { lifecycle, runbookId } = await gateOf(uniqueClusterName('chat-endpoint'), 'carol');
    const post = (body: string, headers: Record<string, string>) =>
      request(`${web.url}/api/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }).then(async (response) => ({
        status: response.statusCode,
        json: (await response.body.json()) as Record<string, unknown>,
      }));
    const body = JSON.stringify({ runbookId, planVersion: 1, decision: 'approve', decider: 'bob' });
    assert.equal((await post(body, {})).status, 401);
    assert.equal((await post(body, signatureHeaders(body, 'wrong-secret'))).status, 401);
    const malformed = JSON.stringify({ runbookId, planVersion: 0, decision: 'approve', decider: 'bob' });
    const refused = await post(malformed, signatureHeaders(malformed, decisionSecret));
    assert.equal(refused.status, 400);
    assert.match(String(refused.json.reason), /planVersion: must be 1 or more/);
    const rejectWithout = JSON.stringify({ runbookId, planVersion: 1, decision: 'reject', decider: 'bob' });
    const noReason = await post(rejectWithout, signatureHeaders(rejectWithout, decisionSecret));
    assert.match(String(noReason.json.reason), /comment: a rejection needs a reason/);
    const own = JSON.stringify({ runbookId, planVersion: 1, decision: 'approve', decider: 'carol' });
    const ownAnswer = await post(own, signatureHeaders(own, decisionSecret));
    assert.equal(ownAnswer.status, 409);
    assert.match(String(ownAnswer.json.reason), /carol is not an approver/);

    const sent = await run(
      process.execPath,
      [
        path.join(ROOT, 'examples/send-decision.mjs'),
        '--url',
        web.url,
        '--runbook',
        runbookId,
        '--plan',
        '1',
        '--as',
        'alice',
        'approve',
      ],
      { env: { ...process.env, [DECISION_SECRET_VARIABLE]: decisionSecret } },
    );
    assert.match(sent.stdout, /^200 \{"accepted":true,"state":"approved","approvals":1,"required":1\}/);
    const replayedHeaders = signatureHeaders(body, decisionSecret);
    assert.equal((await post(body, replayedHeaders)).status, 409, 'bob after alice: the gate has closed');
    const replay = await post(body, replayedHeaders);
    assert.equal(replay.status, 409);
    assert.match(String(replay.json.reason), /replayed/);

    const result = await lifecycle.result();
    assert.equal(result.outcome, 'completed');
    const counted = result.approval?.decisions.filter((decision) => decision.outcome === 'counted');
    assert.deepEqual(
      counted?.map(({ decider, authenticatedBy }) => ({ decider, authenticatedBy })),
      [{ decider: 'alice', authenticatedBy: 'chat-teams' }],
    );
  });
});
