import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { ENCRYPTED_ENCODING } from '../../src/codec/encryption-codec';
import { runCli } from '../../scripts/lib/run-cli';
import {
  TUTORIAL_CLUSTER,
  createE2eEnvironment,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';
import { fieldsOf, payloadsOf } from '../../scripts/lib/history-scan';

const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-encrypted-'));
const CODEC_KEYS = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;

function specFor(name: string): string {
  const file = path.join(directory, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...TUTORIAL_CLUSTER, metadata: { name } }));
  return file;
}

/**
 * The workflow id (`lifecycle:<name>`) and search attributes are indexes the server must read: they
 * hold the cluster name by design and no codec touches them. Every other field must be ciphertext.
 */
const INDEXED = /(^|\.)(searchAttributes|upsertWorkflowSearchAttributesEventAttributes|workflowId)(\.|\[|$)/;
/** The SDK's own patch markers (`patched()`): the patch id and a flag, never runbook data, and not run through the codec. */
const PATCH_MARKER = /markerRecordedEventAttributes\.details\.patch-data\./;

describe('payload encryption end to end (worker process, CLI, raw history)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let rawConnection: Connection;
  let raw: Client;
  let env: Record<string, string>;

  before(async () => {
    environment = await createE2eEnvironment({ codecKeys: CODEC_KEYS });
    scenario = await environment.scenario({ transitionMs: 200 });
    await scenario.startWorkerProcess();
    rawConnection = await Connection.connect({ address: environment.address });
    raw = new Client({ connection: rawConnection, namespace: environment.namespace });
    env = {
      TEMPORAL_ADDRESS: environment.address,
      IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
      IMPLY_RUNBOOKS_USER: 'carol',
      ...environment.codecEnv,
    };
  });
  after(async () => {
    await rawConnection?.close();
    await environment?.close();
  });

  async function assertCiphertextOnly(workflowId: string, clusterName: string): Promise<number> {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const payloads = [...payloadsOf(history)].filter(
      (payload) => !INDEXED.test(payload.path) && !PATCH_MARKER.test(payload.path),
    );
    assert.ok(payloads.length >= 3, `the history holds payloads: ${payloads.length}`);
    for (const payload of payloads) assert.equal(payload.encoding, ENCRYPTED_ENCODING, payload.path);
    const clear = [...fieldsOf(history)].filter(
      (field) => field.text.includes(clusterName) && !INDEXED.test(field.path),
    );
    assert.deepEqual(
      clear.map((field) => field.path),
      [],
      'the cluster name appears outside search attributes',
    );
    return payloads.length;
  }

  it('stores ciphertext only, while the CLI with the keys shows every step', async () => {
    const name = uniqueClusterName('encrypted');
    const run = await runCli(
      [
        'run',
        'lifecycle',
        '--spec',
        specFor(name),
        '--scale',
        'data.tier1.replicas=2',
        '--no-approval',
      ].concat(['--poll-initial', '100ms', '--poll-max', '500ms', '--wait']),
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    for (const title of ['Validate the spec', 'Create the cluster', 'Scale: the change runbook']) {
      assert.match(run.stdout, new RegExp(`\\[\\d+/\\d+\\] ✔ ${title}`), run.stdout);
    }
    assert.match(run.stdout, new RegExp(`Runbook completed: cluster ${name}`));
    await assertCiphertextOnly(`lifecycle:${name}`, name);

    const status = await runCli(['status', `lifecycle:${name}`], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /status:\s+COMPLETED/);
    const withoutKeys = await runCli(['status', `lifecycle:${name}`], {
      ...env,
      IMPLY_RUNBOOKS_CODEC_KEYS: '',
    });
    assert.equal(withoutKeys.code, 1, 'without the keys the progress cannot be read');
    assert.match(withoutKeys.stderr, /payloads are encrypted\. Set IMPLY_RUNBOOKS_CODEC_KEYS/);
  });

  it('encrypts failure messages too: the raw history hides them, the CLI shows them', async () => {
    const name = uniqueClusterName('encrypted-fail');
    const first = await runCli(['run', 'lifecycle', '--spec', specFor(name), '--no-approval', '--wait'], env);
    assert.equal(first.code, 0, first.stderr);
    // A second runbook for the name meets the first one's cluster: validate fails naming it.
    const second = await runCli(
      ['run', 'lifecycle', '--spec', specFor(name), '--no-approval', '--wait'],
      env,
    );
    assert.notEqual(second.code, 0);
    assert.match(second.stdout + second.stderr, new RegExp(`a cluster named "${name}" already exists`));
    await assertCiphertextOnly(`lifecycle:${name}`, name);
    const history = await raw.workflow.getHandle(`lifecycle:${name}`).fetchHistory();
    const messages = [...fieldsOf(history)].filter((field) => field.path.endsWith('.message'));
    assert.ok(messages.length > 0, 'the history holds failures');
    assert.deepEqual(new Set(messages.map((field) => field.text)), new Set(['Encoded failure']));
  });
});
