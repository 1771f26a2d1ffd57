import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEmulator } from '../../src/emulator/server';
import { planChange, planDelete } from '../../src/emulator/state-machine';
import {
  call,
  createCluster,
  finishTransition,
  pollUntil,
  startTestEmulator,
  stateOf,
  tutorialPutBody,
} from './helpers';

const STOP = { spec: { desiredState: 'STOPPED' } };
const START = { spec: { desiredState: 'STARTED' } };
const SCALE = { spec: { data: { tier1: { replicas: 3 } } } };

describe('state machine rules', () => {
  it('refuses a configuration change unless the cluster is RUNNING or FAILED', () => {
    const change = {
      operation: 'PUT' as const,
      configChanged: true,
      desiredState: 'STARTED' as const,
      desiredStateGiven: false,
    };
    assert.equal(planChange('c', { state: 'STOPPED', desiredState: 'STOPPED' }, change).kind, 'conflict');
    assert.equal(planChange('c', { state: 'UPDATING', desiredState: 'STARTED' }, change).kind, 'conflict');
    assert.deepEqual(planChange('c', { state: 'FAILED', desiredState: 'STARTED' }, change), {
      kind: 'transition',
      busyState: 'UPDATING',
      endState: 'RUNNING',
    });
  });

  it('treats asking for the state a cluster is in or heading to as a no-op, except from FAILED', () => {
    const stop = {
      operation: 'PATCH' as const,
      configChanged: false,
      desiredState: 'STOPPED' as const,
      desiredStateGiven: true,
    };
    assert.equal(planChange('c', { state: 'STOPPING', desiredState: 'STOPPED' }, stop).kind, 'noop');
    assert.equal(planChange('c', { state: 'STOPPED', desiredState: 'STOPPED' }, stop).kind, 'noop');
    assert.equal(planChange('c', { state: 'FAILED', desiredState: 'STOPPED' }, stop).kind, 'transition');
    assert.equal(planDelete('c', 'DELETING').kind, 'noop');
    assert.equal(planDelete('c', 'CREATING').kind, 'conflict');
  });
});

describe('emulator state machine over HTTP', () => {
  let emulator: RunningEmulator;
  before(async () => {
    // Ten minutes: transitions end only when the test finishes them, so every busy state is observed.
    emulator = await startTestEmulator({ transitionMs: 600_000 });
  });
  after(async () => {
    await emulator.close();
  });

  async function expectConflict(method: string, uid: string, body?: unknown): Promise<void> {
    const answer = await call(emulator, method, `/api/v1/clusters/${uid}`, { body });
    assert.equal(answer.status, 409, `${method} ${JSON.stringify(body)}: ${answer.text}`);
    assert.equal(answer.json.error.code, 'StateConflict');
    assert.match(answer.json.error.message, new RegExp(`Cluster \\[${uid}\\] is [A-Z]+`));
  }

  it('walks CREATING → RUNNING → UPDATING → RUNNING → STOPPING → STOPPED → STARTING → RUNNING', async () => {
    const uid = await createCluster(emulator);
    assert.equal(await stateOf(emulator, uid), 'CREATING');
    await expectConflict('PUT', uid, tutorialPutBody());
    await expectConflict('PATCH', uid, STOP);
    await expectConflict('DELETE', uid);
    assert.equal(await finishTransition(emulator, uid), 'RUNNING');

    assert.equal(
      (await call(emulator, 'PUT', `/api/v1/clusters/${uid}`, { body: tutorialPutBody() })).status,
      202,
    );
    assert.equal(await stateOf(emulator, uid), 'UPDATING');
    await expectConflict('PATCH', uid, SCALE);
    await expectConflict('PATCH', uid, STOP);
    const heading = await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: START });
    assert.equal(heading.status, 202, 'STARTED is where an update is heading: a no-op');
    assert.equal(await finishTransition(emulator, uid), 'RUNNING');

    assert.equal((await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: STOP })).status, 202);
    assert.equal(await stateOf(emulator, uid), 'STOPPING');
    const again = await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: STOP });
    assert.equal(again.status, 202);
    assert.equal(
      (await call(emulator, 'GET', `/api/v1/clusters/${uid}`)).json.status.resourceVersion,
      2,
      'no new version',
    );
    assert.equal(await finishTransition(emulator, uid), 'STOPPED');

    await expectConflict('PUT', uid, tutorialPutBody());
    await expectConflict('PATCH', uid, SCALE);
    assert.equal((await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: START })).status, 202);
    assert.equal(await stateOf(emulator, uid), 'STARTING');
    assert.equal(await finishTransition(emulator, uid), 'RUNNING');
    const status = (await call(emulator, 'GET', `/api/v1/clusters/${uid}`)).json.status;
    assert.deepEqual(status, { state: 'RUNNING', resourceVersion: 3, desiredState: 'STARTED' });
  });

  it('deletes a STOPPED cluster, answers 202 to a repeated DELETE while DELETING, and lists it until DELETED', async () => {
    const uid = await createCluster(emulator);
    await finishTransition(emulator, uid);
    await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: STOP });
    await finishTransition(emulator, uid);
    assert.equal((await call(emulator, 'DELETE', `/api/v1/clusters/${uid}`)).status, 202);
    assert.equal((await call(emulator, 'DELETE', `/api/v1/clusters/${uid}`)).status, 202);
    assert.equal((await call(emulator, 'GET', `/api/v1/clusters/${uid}`)).status, 404);
    const listed = async () =>
      (await call(emulator, 'GET', '/api/v1/clusters')).json.find(
        (c: { metadata: { uid: string } }) => c.metadata.uid === uid,
      ).status.state;
    assert.equal(await listed(), 'DELETING');
    assert.equal(await finishTransition(emulator, uid), 'DELETED');
    assert.equal(await listed(), 'DELETED');
    assert.equal((await call(emulator, 'DELETE', `/api/v1/clusters/${uid}`)).status, 404);
  });

  it('ends the next transition in FAILED when told to, and recovers from FAILED with a PUT', async () => {
    const uid = await createCluster(emulator);
    await finishTransition(emulator, uid);
    const marked = await call(emulator, 'POST', `/_emulator/clusters/${uid}/fail-next-update`, {
      token: null,
    });
    assert.deepEqual(marked.json.failNextUpdate, [uid]);
    await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: SCALE });
    assert.equal(await finishTransition(emulator, uid), 'FAILED');
    const previous = await call(emulator, 'GET', `/api/v1/clusters/${uid}/history/0`);
    assert.equal(
      (await call(emulator, 'PUT', `/api/v1/clusters/${uid}`, { body: previous.json })).status,
      202,
    );
    assert.equal(await finishTransition(emulator, uid), 'RUNNING', 'the mark is used up');
    const status = (await call(emulator, 'GET', `/api/v1/clusters/${uid}`)).json.status;
    assert.equal(status.resourceVersion, 2);
  });

  it('fails a creation through the failNextUpdate fault list, and answers 404 to marking an unknown cluster', async () => {
    const uid = await createCluster(emulator);
    emulator.setFaults({ failNextUpdate: [uid] });
    assert.equal(await finishTransition(emulator, uid), 'FAILED');
    assert.equal(
      (await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: START })).status,
      202,
      'retry from FAILED',
    );
    assert.equal(await stateOf(emulator, uid), 'STARTING');
    const unknown = await call(emulator, 'POST', '/_emulator/clusters/nope/fail-next-update', {
      token: null,
    });
    assert.equal(unknown.status, 404);
  });
});

describe('emulator transitions on timers', () => {
  it('finishes transitions by itself after transitionMs', async () => {
    const emulator = await startTestEmulator({ transitionMs: 100 });
    try {
      const uid = await createCluster(emulator);
      await pollUntil(
        () => stateOf(emulator, uid),
        (state) => state === 'RUNNING',
      );
      await call(emulator, 'PATCH', `/api/v1/clusters/${uid}`, { body: STOP });
      await pollUntil(
        () => stateOf(emulator, uid),
        (state) => state === 'STOPPED',
      );
      await call(emulator, 'DELETE', `/api/v1/clusters/${uid}`);
      const listedState = async () =>
        (await call(emulator, 'GET', '/api/v1/clusters')).json[0].status.state as string;
      await pollUntil(listedState, (state) => state === 'DELETED');
    } finally {
      await emulator.close();
    }
  });
});
