import { Client, Connection } from '@temporalio/client';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';

/** The pieces the trigger tests share: an emulator over HTTP with its client, and a Temporal client never reached. */

/** An emulator with instant transitions that accepts `token`, and a client of its API. Binds a port. */
export async function startTriggerEmulator(
  token: string,
): Promise<{ emulator: RunningEmulator; api: CloudManagerClient }> {
  const emulator = await startEmulator({ port: 0, transitionMs: 0, tokens: [{ token }] });
  const api = new CloudManagerClient({ baseUrl: emulator.apiUrl, auth: new StaticTokenProvider(token) });
  return { emulator, api };
}

/**
 * A Temporal client on a lazy connection to a closed port: the requests of these tests are answered
 * (or refused) before any runbook would start, so a call through it would be a bug the test shows.
 */
export function unreachableTemporal(): { client: Client; connection: Connection } {
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  return { client: new Client({ connection }), connection };
}
