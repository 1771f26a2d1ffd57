import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import {
  ClientCredentialsTokenProvider,
  FileTokenProvider,
  StaticTokenProvider,
  type TokenProvider,
} from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { emulatorTokenUrl, startEmulator, type EmulatorOptions } from '../../src/emulator/server';
import { lifecycleStartOptions, type LifecycleInput } from '../../src/shared/runbook';
import { createWorker } from '../../src/worker';
import type { lifecycleRunbook } from '../../src/workflows';
import { runCli } from '../../scripts/lib/run-cli';
import {
  createE2eEnvironment,
  eventually,
  FAST_WAIT,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
} from '../helpers/e2e';

/**
 * Tokens that live 3 seconds (Imply Hybrid's live 5 minutes) under runbooks that run longer: client
 * credentials are renewed ahead of expiry, a token file is re-read after a rotation, and a static
 * token fails with a message that says it expired and how to set up client credentials.
 */

const TOKEN_LIFETIME_SECONDS = 3;
// A static token that must outlive create and the scale (a child change runbook: plan, PUT, wait,
// verify), so that its expiry lands in the sleep before the stop.
const STATIC_TOKEN_LIFETIME_SECONDS = 6;
// The token file's first token: its lifetime runs from the emulator's start, before the worker bundles
// its workflows, so on a loaded machine 6 s could pass before the first call and the rotation.
const FILE_TOKEN_LIFETIME_SECONDS = 15;

/** Create, scale, wait two token lifetimes before the stop, then delete. */
function longRunbook(name: string, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): LifecycleInput {
  return {
    cluster: { ...TUTORIAL_CLUSTER, metadata: { name } },
    scale: [{ path: 'spec.data.tier1.replicas', value: 2 }],
    stop: { afterMs: 2 * lifetimeSeconds * 1000 + 500 },
    delete: { afterMs: 0 },
    wait: FAST_WAIT,
  };
}

describe('tokens that expire under long runbooks (dev server, emulator over HTTP, real worker)', () => {
  let environment: E2eEnvironment;
  const cleanups: Array<() => Promise<void>> = [];

  before(async () => {
    environment = await createE2eEnvironment();
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await environment?.close();
  });

  async function stack(options: EmulatorOptions, auth: (emulatorUrl: string) => TokenProvider) {
    const grants: string[] = [];
    const emulator = await startEmulator({
      transitionMs: 200,
      ...options,
      log: (line) => {
        if (line.includes('token endpoint')) grants.push(line);
      },
    });
    const api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: auth(emulator.url) });
    const taskQueue = `e2e-tokens-${randomUUID()}`;
    const worker = await createWorker({
      connection: environment.connection,
      namespace: environment.namespace,
      taskQueue,
      activities: createActivities({
        api,
        temporal: { client: environment.client, namespace: environment.namespace },
      }),
      shutdownGraceTime: '1s',
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
      await emulator.close();
    });
    const start = (input: LifecycleInput) =>
      environment.client.workflow.start<typeof lifecycleRunbook>(
        'lifecycleRunbook',
        lifecycleStartOptions(input, taskQueue),
      );
    return { emulator, grants, start, taskQueue };
  }

  it('renews client-credentials tokens, so a runbook longer than their lifetime completes', async () => {
    const clientSecret = `secret_${randomBytes(8).toString('hex')}`;
    const { emulator, grants, start } = await stack(
      {
        oauthClients: [{ clientId: 'runbooks', clientSecret }],
        tokenTtlSeconds: TOKEN_LIFETIME_SECONDS,
      },
      (url) =>
        new ClientCredentialsTokenProvider({
          clientId: 'runbooks',
          clientSecret,
          organization: 'acme',
          tokenUrl: emulatorTokenUrl(url, 'acme'),
        }),
    );
    const name = uniqueClusterName('token-renewed');
    const handle = await start(longRunbook(name));
    const result = await handle.result();
    assert.equal(result.outcome, 'completed');
    assert.ok(grants.length >= 3, `expected a token per lifetime, the endpoint saw ${grants.length}`);
    // Renewed ahead of expiry: no call went out with an expired token.
    const refused = emulator.requestLog().filter((entry) => entry.status === 401);
    assert.deepEqual(refused, []);
  });

  it('re-reads IMPLY_TOKEN_FILE, so an operator can rotate the token under a running worker', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-token-file-'));
    cleanups.push(async () => rmSync(directory, { recursive: true, force: true }));
    const file = path.join(directory, 'token');
    const first = `first_${randomBytes(8).toString('hex')}`;
    const second = `second_${randomBytes(8).toString('hex')}`;
    writeFileSync(file, first, { mode: 0o600 });
    const { emulator, start } = await stack(
      { tokens: [{ token: first, ttlSeconds: FILE_TOKEN_LIFETIME_SECONDS }, { token: second }] },
      () => new FileTokenProvider(file),
    );
    // Its sleep before the stop outlasts the first token, counted from after the scale.
    const handle = await start(longRunbook(uniqueClusterName('token-file'), FILE_TOKEN_LIFETIME_SECONDS / 2));
    // The operator rotates the token once the runbook works with the first, before it expires; the
    // runbook's later calls (after its sleep) need the second, and never notice.
    await eventually('a first call made with the first token', () =>
      emulator.requestLog().some((entry) => entry.status < 300) ? true : undefined,
    );
    writeFileSync(file, second);
    const result = await handle.result();
    assert.equal(result.outcome, 'completed');
    const refused = emulator.requestLog().filter((entry) => entry.status === 401);
    assert.deepEqual(refused, [], 'no call should be refused once the file holds the new token');
  });

  it('fails a runbook whose static token expired, saying so and how to set up client credentials', async () => {
    const token = `static_${randomBytes(8).toString('hex')}`;
    const { start, taskQueue } = await stack(
      { tokens: [{ token, ttlSeconds: STATIC_TOKEN_LIFETIME_SECONDS }] },
      () => new StaticTokenProvider(token),
    );
    const name = uniqueClusterName('token-static');
    const handle = await start(longRunbook(name, STATIC_TOKEN_LIFETIME_SECONDS));
    const failure = await handle.result().then(
      () => assert.fail('the runbook should fail once its static token expired'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof WorkflowFailedError);
    const messages: string[] = [];
    for (let cause: unknown = failure; cause instanceof Error; cause = cause.cause)
      messages.push(cause.message);
    const text = messages.join(' | ');
    assert.match(
      text,
      /static token \(IMPLY_TOKEN\): check that it is the right one; if it was, it has expired or was revoked/,
    );
    assert.match(text, /IMPLY_CLIENT_ID, IMPLY_CLIENT_SECRET and IMPLY_ORGANIZATION/);
    assert.ok(!text.includes(token), 'the token must not appear in the failure');

    const status = await runCli(['status', handle.workflowId], {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: taskQueue,
    });
    assert.match(status.stdout + status.stderr, /has expired or was revoked/);
    assert.ok(!(status.stdout + status.stderr).includes(token));
  });
});
