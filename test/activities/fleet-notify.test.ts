import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { FLEET_NOTIFICATION_FAILED, fleetNotifyActivities } from '../../src/activities/fleet-notify';
import type { NotificationSettings } from '../../src/activities/notify';
import type { FleetSummary } from '../../src/shared/power';

const SUMMARY: FleetSummary = {
  action: 'stop',
  scheduleName: 'nightly',
  startedAt: '2026-05-01T17:00:00.000Z',
  endedAt: '2026-05-01T17:04:00.000Z',
  selected: 4,
  done: ['test-1'],
  skipped: [{ cluster: 'test-kept', reason: 'kept alive by bob until 2026-05-02T07:00:00.000Z: demo' }],
  failed: [
    { cluster: 'test-broken', reason: 'cluster test-broken ended in FAILED while waiting for STOPPED' },
  ],
  notStarted: ['test-4'],
  aborted: '1 of 2 clusters failed (50% > 30%): started no new ones, 1 not started',
  results: [],
};

/** A chat webhook on 127.0.0.1 recording each body, answering with the status it is told. */
function webhook() {
  const received: Array<{ path: string; body: { text: string; blocks: Array<{ text: { text: string } }> } }> =
    [];
  let status = 200;
  let headers: Record<string, string> = {};
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: JSON.parse(text) });
      response.writeHead(status, headers).end();
    });
  });
  return {
    received,
    setStatus: (value: number, answerHeaders: Record<string, string> = {}) => {
      status = value;
      headers = answerHeaders;
    },
    start: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('fleet summary notification', () => {
  const server = webhook();
  before(() => server.start());
  after(() => server.close());
  beforeEach(() => {
    server.received.length = 0;
    server.setStatus(200);
  });

  const notify = (settings: NotificationSettings) =>
    new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(
      fleetNotifyActivities({ notifications: settings }).notifyFleetRun,
      SUMMARY,
    );

  it('posts the summary to every webhook that takes all events, and not to one filtered to approvals', async () => {
    await notify({
      webhookUrls: [server.url('/all'), server.url('/approvals-only')],
      publicUrl: 'http://127.0.0.1:8787',
      webhookEvents: [undefined, ['requested']],
    });
    assert.deepEqual(
      server.received.map((entry) => entry.path),
      ['/all'],
    );
    const message = server.received[0]?.body;
    assert.equal(
      message?.text,
      'schedule nightly (stop): 1 stopped, 1 skipped, 1 failed, 1 not started, of 4 selected',
    );
    const details = message?.blocks[1]?.text.text ?? '';
    assert.match(details, /aborted: 1 of 2 clusters failed/);
    assert.match(details, /failed test-broken: cluster test-broken ended in FAILED/);
    assert.match(details, /skipped test-kept: kept alive by bob/);
    assert.match(details, /not started: test-4/);
  });

  it('fails retryably naming the webhook by number, never by URL', async () => {
    server.setStatus(500);
    const url = server.url('/secret-token-path');
    await assert.rejects(notify({ webhookUrls: [url], publicUrl: '' }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, FLEET_NOTIFICATION_FAILED);
      assert.equal(error.nonRetryable, false);
      assert.equal(error.message, 'fleet summary not delivered: webhook 1 of 1 answered 500');
      assert.ok(!error.message.includes('secret-token-path'));
      return true;
    });
  });

  it('gives up at once on a 4xx, and waits out a Retry-After, like the approval notices (one poster)', async () => {
    const settings = { webhookUrls: [server.url('/revoked')], publicUrl: '' };
    server.setStatus(404);
    await assert.rejects(notify(settings), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.nonRetryable, true);
      assert.equal(error.message, 'fleet summary not delivered: webhook 1 of 1 answered 404');
      return true;
    });
    server.setStatus(429, { 'retry-after': '7' });
    await assert.rejects(notify(settings), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.nonRetryable, false);
      assert.equal(error.nextRetryDelay, 7000);
      return true;
    });
  });

  it('sends nothing when no webhook is configured', async () => {
    await notify({ webhookUrls: [], publicUrl: '' });
    assert.equal(server.received.length, 0);
  });
});
