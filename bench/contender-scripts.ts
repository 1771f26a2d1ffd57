import type { FleetWorld } from './fleet-world';
import { paceAt, scriptApi, stopAndPoll } from './script-http';

/**
 * The two scripts users write today, against the same emulator as ours:
 *   sequential  for each cluster: PATCH, then poll every second until STOPPED (cron + curl);
 *   concurrent  the same with `concurrency` clusters at once and one shared limiter at `rate`
 *               requests per second (the same limits as our fleet run), no durability.
 * Each resolves with its wall time in milliseconds.
 */

/** Stops every cluster of the world one after the other. Sends requests; not safe to rerun on the same world. */
export async function runSequentialScript(world: FleetWorld, pollMs: number): Promise<number> {
  const api = scriptApi(world.emulator.apiUrl, world.token);
  const started = performance.now();
  for (const clusterId of world.clusterIds) await stopAndPoll(api, clusterId, pollMs);
  return performance.now() - started;
}

/** Stops every cluster with `concurrency` workers sharing one rate limiter. Not safe to rerun on the same world. */
export async function runConcurrentScript(
  world: FleetWorld,
  options: { concurrency: number; rate: number; pollMs: number },
): Promise<number> {
  const api = scriptApi(world.emulator.apiUrl, world.token, paceAt(options.rate));
  const queue = [...world.clusterIds];
  const started = performance.now();
  const worker = async () => {
    for (let clusterId = queue.shift(); clusterId; clusterId = queue.shift()) {
      await stopAndPoll(api, clusterId, options.pollMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  return performance.now() - started;
}
