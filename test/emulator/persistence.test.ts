import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  call,
  createCluster,
  finishTransition,
  pollUntil,
  startTestEmulator,
  stateOf,
  tutorialPutBody,
} from './helpers';

describe('emulator persistence (--db)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'imply-emulator-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('keeps clusters, versions and history across a close and restart', async () => {
    const dbPath = join(directory, 'history.sqlite');
    const first = await startTestEmulator({ dbPath });
    const uid = await createCluster(first, 'kept');
    const second = await createCluster(first, 'kept-too');
    await call(first, 'PUT', `/api/v1/clusters/${uid}`, { body: tutorialPutBody() });
    await call(first, 'DELETE', `/api/v1/clusters/${second}`);
    const before = (await call(first, 'GET', '/api/v1/clusters')).json;
    const history = (await call(first, 'GET', `/api/v1/clusters/${uid}/history/0`)).json;
    await first.close();

    const restarted = await startTestEmulator({ dbPath });
    try {
      assert.deepEqual((await call(restarted, 'GET', '/api/v1/clusters')).json, before);
      assert.deepEqual((await call(restarted, 'GET', `/api/v1/clusters/${uid}/history/0`)).json, history);
      assert.equal((await call(restarted, 'GET', `/api/v1/clusters/${second}`)).status, 404, 'still deleted');
      const health = (await call(restarted, 'GET', '/_emulator/health', { token: null })).json;
      assert.equal(health.persistent, true);
      const third = await createCluster(restarted, 'after-restart');
      const names = (await call(restarted, 'GET', '/api/v1/clusters')).json.map(
        (c: { metadata: { name: string } }) => c.metadata.name,
      );
      assert.deepEqual(
        names,
        ['clusters-example-scaled', 'kept-too', 'after-restart'],
        'creation order holds',
      );
      assert.equal((await call(restarted, 'GET', `/api/v1/clusters/${third}`)).status, 200);
    } finally {
      await restarted.close();
    }
  });

  it('finishes after a restart a transition that was in flight when the emulator stopped', async () => {
    const dbPath = join(directory, 'in-flight.sqlite');
    const first = await startTestEmulator({ dbPath, transitionMs: 600_000 });
    const uid = await createCluster(first);
    await finishTransition(first, uid);
    await call(first, 'PUT', `/api/v1/clusters/${uid}`, { body: tutorialPutBody() });
    assert.equal(await stateOf(first, uid), 'UPDATING');
    await first.close();

    // A fresh start with a short transitionMs: the stored end time (ten minutes away) still governs.
    const restarted = await startTestEmulator({ dbPath, transitionMs: 0 });
    try {
      assert.equal(await stateOf(restarted, uid), 'UPDATING');
      assert.equal(await finishTransition(restarted, uid), 'RUNNING');
      assert.equal((await call(restarted, 'GET', `/api/v1/clusters/${uid}`)).json.status.resourceVersion, 1);
    } finally {
      await restarted.close();
    }
  });

  it('finishes a transition whose end time passed while the emulator was stopped, and one that ends after restart', async () => {
    const dbPath = join(directory, 'timers.sqlite');
    const first = await startTestEmulator({ dbPath, transitionMs: 150 });
    const ended = await createCluster(first, 'ended-while-stopped');
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const second = await startTestEmulator({ dbPath, transitionMs: 1000 });
    assert.equal(await stateOf(second, ended), 'RUNNING');
    const running = await createCluster(second, 'ends-after-restart');
    assert.equal(await stateOf(second, running), 'CREATING');
    await second.close();

    const third = await startTestEmulator({ dbPath, transitionMs: 0 });
    try {
      await pollUntil(
        () => stateOf(third, running),
        (state) => state === 'RUNNING',
      );
    } finally {
      await third.close();
    }
  });
});
