import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, pollUntil, startTestEmulator, tutorialCreateBody } from './helpers';

describe('emulator at scale', () => {
  it('holds two thousand clusters created by twenty concurrent clients, and lists them all', async () => {
    const emulator = await startTestEmulator({ transitionMs: 50 });
    try {
      const clients = 20;
      const perClient = 100;
      await Promise.all(
        Array.from({ length: clients }, async (_, client) => {
          for (let index = 0; index < perClient; index++) {
            const created = await call(emulator, 'POST', '/api/v1/clusters', {
              body: tutorialCreateBody(`scale-${client}-${index}`),
            });
            assert.equal(created.status, 201, created.text);
          }
        }),
      );
      const states = async () => {
        const listed = (await call(emulator, 'GET', '/api/v1/clusters')).json as {
          status: { state: string };
        }[];
        return {
          count: listed.length,
          running: listed.filter((cluster) => cluster.status.state === 'RUNNING').length,
        };
      };
      const settled = await pollUntil(states, (current) => current.running === clients * perClient);
      assert.equal(settled.count, clients * perClient);
      assert.equal(
        emulator.requestLog().filter((entry) => entry.method === 'POST').length,
        clients * perClient,
      );
    } finally {
      await emulator.close();
    }
  });
});
