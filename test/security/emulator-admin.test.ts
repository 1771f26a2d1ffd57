import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '../../src/emulator/server';
import { runCli, stopCli, waitForListening } from '../emulator/cli-process';

const ADMIN_CALLS: Array<[string, string, string?]> = [
  ['GET', '/_emulator/health'],
  ['GET', '/_emulator/faults'],
  ['PUT', '/_emulator/faults', '{"errorRate": 1}'],
  ['DELETE', '/_emulator/faults'],
  ['GET', '/_emulator/requests'],
  ['DELETE', '/_emulator/requests'],
  ['POST', '/_emulator/clusters/some-id/finish-transition'],
];

async function statuses(url: string): Promise<number[]> {
  const answers: number[] = [];
  for (const [method, path, body] of ADMIN_CALLS) {
    const response = await fetch(`${url}${path}`, { method, body });
    await response.body?.cancel();
    answers.push(response.status);
  }
  return answers;
}

describe('emulator admin endpoints are off unless enabled', () => {
  it('answers 404 on every /_emulator/ route by default, and changes nothing', async () => {
    const emulator = await startEmulator({
      port: 0,
      transitionMs: 0,
      tokens: [{ token: 'admin-off-token' }],
    });
    try {
      assert.deepEqual(await statuses(emulator.url), Array(ADMIN_CALLS.length).fill(404));
      const refused = await (await fetch(`${emulator.url}/_emulator/faults`)).json();
      assert.match(JSON.stringify(refused), /admin endpoints are off; start it with --admin/);
      const api = await fetch(`${emulator.apiUrl}/clusters`, {
        headers: { Authorization: 'Bearer admin-off-token' },
      });
      assert.equal(api.status, 200, 'the PUT of errorRate 1 above was not applied');
      // The in-process handles stay: tests inject faults and read the log without HTTP.
      emulator.setFaults({ errorNext: 1, errorStatus: 503 });
      const faulted = await fetch(`${emulator.apiUrl}/clusters`, {
        headers: { Authorization: 'Bearer admin-off-token' },
      });
      assert.equal(faulted.status, 503);
      assert.equal(emulator.requestLog().length, 2);
    } finally {
      await emulator.close();
    }
  });

  it('serves them with admin: true', async () => {
    const emulator = await startEmulator({ port: 0, transitionMs: 0, admin: true });
    try {
      const answers = await statuses(emulator.url);
      assert.deepEqual(answers.slice(0, 6), [200, 200, 200, 200, 200, 204]);
    } finally {
      await emulator.close();
    }
  });

  it('keeps them off in `imply-runbooks emulator` without --admin, and says how to turn them on', async () => {
    const run = runCli(['emulator', '--port', '0', '--quiet'], { IMPLY_TOKEN: 'cli-admin-off-token' });
    try {
      const url = await waitForListening(run);
      assert.match(run.stdout(), /Admin endpoints \(\/_emulator\/: faults, request log\) are off; --admin/);
      assert.deepEqual(await statuses(url), Array(ADMIN_CALLS.length).fill(404));
    } finally {
      await stopCli(run);
    }
  });
});
