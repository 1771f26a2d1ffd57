import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalMessage, APPROVE_ACTION, REJECT_ACTION } from '../../src/activities/approval-message';
import { parseConfigText, slackSettings } from '../../src/config';
import type { ApprovalEvent } from '../../src/shared/approval';
import { slackSignature, slackSignatureHeaders, slackSignatureProblem } from '../../src/slack/signature';
import { responseUrlAllowed } from '../../src/slack/web-api';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

describe('Slack request signatures', () => {
  // Slack's documented example: https://api.slack.com/authentication/verifying-requests-from-slack
  it('computes the signature Slack documents for its example request', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    assert.equal(
      slackSignature(SECRET, 1531420618, body),
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('accepts a fresh, correctly signed body and refuses a changed body, another key, an old or future timestamp, missing headers', () => {
    const body = Buffer.from('payload=%7B%7D');
    const now = Date.parse('2026-12-06T12:00:00Z');
    const headers = slackSignatureHeaders(SECRET, body, now);
    const check = (given: Record<string, string>, payload = body, at = now) =>
      slackSignatureProblem(
        SECRET,
        given['x-slack-signature'],
        given['x-slack-request-timestamp'],
        payload,
        at,
      );
    assert.equal(check(headers), undefined);
    assert.match(String(check(headers, Buffer.from('payload=%7B%22a%22%7D'))), /does not match/);
    assert.match(String(check(slackSignatureHeaders('another-secret', body, now))), /does not match/);
    assert.match(String(check(headers, body, now + 301_000)), /301 s from the server's clock/);
    assert.equal(check(headers, body, now + 299_000), undefined);
    assert.match(String(check(slackSignatureHeaders(SECRET, body, now + 400_000))), /400 s/);
    assert.match(String(check({})), /carries no X-Slack-Signature/);
    assert.match(String(check({ ...headers, 'x-slack-request-timestamp': 'yesterday' })), /not a Unix time/);
  });

  it("posts to a response_url only on Slack's hooks over https or the configured API's own host", () => {
    const api = 'https://slack.com/api';
    assert.ok(responseUrlAllowed('https://hooks.slack.com/actions/T0/1/abc', api));
    assert.ok(!responseUrlAllowed('http://hooks.slack.com/actions/T0/1/abc', api));
    assert.ok(!responseUrlAllowed('https://hooks.slack.com.evil.example/x', api));
    assert.ok(!responseUrlAllowed('http://169.254.169.254/latest/meta-data', api));
    assert.ok(responseUrlAllowed('http://127.0.0.1:4000/hooks/1', 'http://127.0.0.1:4000/api'));
    assert.ok(!responseUrlAllowed('http://127.0.0.1:4001/hooks/1', 'http://127.0.0.1:4000/api'));
    assert.ok(!responseUrlAllowed('not a url', api));
  });
});

describe('notifications.slack in the configuration', () => {
  const parse = (slack: string) => parseConfigText(`notifications:\n  slack:\n${slack}`);

  it('refuses secrets written into the file, a channel without a bot token, and user keys that are neither ids nor e-mails', () => {
    assert.throws(
      () => parse('    signingSecret: abc\n'),
      /notifications\.slack\.signingSecret: is a secret.*signingSecretEnv: NAME/,
    );
    assert.throws(
      () => parse('    botToken: xoxb-1\n'),
      /notifications\.slack\.botToken: is a secret.*botTokenEnv: NAME/,
    );
    assert.throws(
      () => parse('    channel: C0123\n'),
      /notifications\.slack\.botTokenEnv: is needed with channel C0123/,
    );
    assert.throws(
      () => parse('    channel: general\n    botTokenEnv: T\n'),
      /notifications\.slack\.channel: must be a channel id/,
    );
    assert.throws(
      () => parse('    users: { alice: alice }\n'),
      /notifications\.slack\.users\.alice: must be a Slack user id/,
    );
  });

  it('reads the secrets a process needs from the environment, naming the variable when unset', () => {
    const config = parse(
      '    signingSecretEnv: SIGNING\n    botTokenEnv: BOT\n    channel: C0123\n    users: { U0A: alice, Bob@Example.com: bob }\n',
    );
    assert.throws(
      () => slackSettings(config, { signingSecret: true }, { BOT: 'x' }),
      /signingSecretEnv: the environment variable SIGNING is not set/,
    );
    const worker = slackSettings(config, { signingSecret: false }, { BOT: 'xoxb-1' });
    assert.equal(worker?.signingSecret, undefined, 'the worker never reads the signing secret');
    assert.equal(worker?.interactive, true);
    assert.deepEqual(worker?.users, { U0A: 'alice', 'bob@example.com': 'bob' });
    assert.equal(
      slackSettings(
        parseConfigText('approvals:\n  groups: {ops: [a]}\n  default: {approvers: [ops]}\n'),
        { signingSecret: true },
        {},
      ),
      undefined,
    );
  });
});

describe('the approval message', () => {
  const event: ApprovalEvent = {
    kind: 'requested',
    runbookId: 'change:abc',
    plan: {
      version: 2,
      clusterId: 'abc',
      clusterName: 'orders',
      resourceVersion: 4,
      changes: [],
      diffLines: ['spec.data.tier1.replicas: 1 → 2'],
      requester: 'carol',
      createdAt: '2026-12-06T12:00:00Z',
    },
  };
  const actions = (message: ReturnType<typeof approvalMessage>) =>
    message.blocks.filter((block) => block.type === 'actions');

  it('carries Approve and Reject for the shown plan only when clicks are taken and the gate is open', () => {
    const [block] = actions(approvalMessage(event, 'https://runbooks.example.com', { interactive: true }));
    assert.ok(block && block.type === 'actions');
    assert.deepEqual(
      block.elements.map((button) => button.action_id),
      [APPROVE_ACTION, REJECT_ACTION],
    );
    assert.deepEqual(JSON.parse(block.elements[0]!.value), { runbookId: 'change:abc', planVersion: 2 });
    assert.equal(actions(approvalMessage(event, 'https://runbooks.example.com')).length, 0);
    const closed: ApprovalEvent = { ...event, kind: 'decided', outcome: 'approved' };
    assert.equal(
      actions(approvalMessage(closed, 'https://runbooks.example.com', { interactive: true })).length,
      0,
    );
  });
});
