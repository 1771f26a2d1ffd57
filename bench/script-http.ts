import { setTimeout as delay } from 'node:timers/promises';

/**
 * The HTTP a user's own stop script does, as plainly as `curl` in a loop: PATCH desiredState, GET
 * the state; on a 429, sleep the Retry-After and send the same request again. No client library,
 * no durability.
 */
export interface ScriptApi {
  stop(clusterId: string): Promise<void>;
  state(clusterId: string): Promise<string>;
}

/** Waits for a turn before each request (the concurrent script's shared rate limiter). */
export type Turn = () => Promise<void>;

const noTurn: Turn = async () => {};

/** A script's view of the API at `apiUrl` with `token`; `turn` paces every request, retries included. */
export function scriptApi(apiUrl: string, token: string, turn: Turn = noTurn): ScriptApi {
  const send = async (method: string, clusterId: string, body?: unknown): Promise<Response> => {
    for (;;) {
      await turn();
      const response = await fetch(`${apiUrl}/clusters/${encodeURIComponent(clusterId)}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/merge-patch+json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status !== 429) {
        if (!response.ok) {
          throw new Error(
            `${method} cluster ${clusterId} answered ${response.status}: ${await response.text()}`,
          );
        }
        return response;
      }
      await response.arrayBuffer();
      await delay(Number(response.headers.get('retry-after') ?? '1') * 1000);
    }
  };
  return {
    async stop(clusterId) {
      await (await send('PATCH', clusterId, { spec: { desiredState: 'STOPPED' } })).arrayBuffer();
    },
    async state(clusterId) {
      const cluster = (await (await send('GET', clusterId)).json()) as { status?: { state?: string } };
      return String(cluster.status?.state);
    },
  };
}

/** The stop of one cluster as the scripts do it: PATCH, then poll every `pollMs` until STOPPED. */
export async function stopAndPoll(api: ScriptApi, clusterId: string, pollMs: number): Promise<void> {
  await api.stop(clusterId);
  for (;;) {
    await delay(pollMs);
    const state = await api.state(clusterId);
    if (state === 'STOPPED') return;
    if (state === 'FAILED') throw new Error(`cluster ${clusterId} ended in FAILED`);
  }
}

/**
 * A shared limiter at `perSecond`: turns at least 1/perSecond apart, first come first served.
 * What a careful script author adds to stay under a documented API limit.
 */
export function paceAt(perSecond: number): Turn {
  const gapMs = 1000 / perSecond;
  let next = 0;
  return async () => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + gapMs;
    if (at > now) await delay(at - now);
  };
}
