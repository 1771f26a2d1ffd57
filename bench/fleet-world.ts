import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClusterRequest } from '../src/cloud-manager/schemas/cluster';
import type { BenchEmulator, BenchStack } from './stack';

/**
 * One fleet-stop measurement's world: a fresh emulator holding N RUNNING clusters tagged for this
 * run, its rate limit switched on only once they exist, so the request log holds only what the
 * contender sent.
 */
export interface FleetWorld extends BenchEmulator {
  tag: { name: string; value: string };
  clusterIds: string[];
  /** Median round trip of one GET, measured before the rate limit is on. */
  requestTimeMs: number;
  token: string;
}

export interface FleetCounts {
  requests: number;
  throttled: number;
  /** Clusters STOPPED at the end (read with the rate limit off, not counted in `requests`). */
  stopped: number;
}

const TUTORIAL_CLUSTER = JSON.parse(
  readFileSync(path.resolve(__dirname, '../examples/tutorial-cluster.json'), 'utf8'),
) as ClusterRequest;
const CREATE_AT_ONCE = 25;

async function createClusters(world: BenchEmulator, count: number, tag: FleetWorld['tag']) {
  const ids: string[] = [];
  for (let first = 0; first < count; first += CREATE_AT_ONCE) {
    const batch = Array.from({ length: Math.min(CREATE_AT_ONCE, count - first) }, (_, offset) =>
      world.api.createCluster({
        metadata: { name: `bench-${tag.value}-${first + offset + 1}` },
        spec: { ...TUTORIAL_CLUSTER.spec, awsTags: [tag] },
      }),
    );
    for (const created of await Promise.all(batch)) ids.push(created.metadata.uid);
  }
  return ids;
}

async function untilAll(world: BenchEmulator, state: string, intervalMs: number): Promise<void> {
  for (;;) {
    const clusters = await world.api.listClusters();
    if (clusters.every((cluster) => cluster.status?.state === state)) return;
    await delay(intervalMs);
  }
}

async function medianRequestTime(world: BenchEmulator, id: string): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    await world.api.getCluster(id);
    times.push(performance.now() - started);
  }
  return times.sort((left, right) => left - right)[3] as number;
}

/** Starts an emulator with `count` RUNNING clusters and then its rate limit. Each call is a new world. */
export async function createFleetWorld(
  stack: BenchStack,
  options: { count: number; transitionMs: number; rateLimit: number; label: string },
): Promise<FleetWorld> {
  const world = await stack.startEmulator({ transitionMs: options.transitionMs });
  const tag = { name: 'bench', value: options.label };
  const clusterIds = await createClusters(world, options.count, tag);
  await untilAll(world, 'RUNNING', Math.min(200, Math.max(options.transitionMs, 20)));
  const requestTimeMs = await medianRequestTime(world, clusterIds[0] as string);
  world.emulator.clearRequestLog();
  world.emulator.setFaults({ rateLimitPerSecond: options.rateLimit });
  return { ...world, tag, clusterIds, requestTimeMs, token: stack.token };
}

/** What the contender sent and got (the emulator's log) and how many clusters stopped; closes the emulator, so call once. */
export async function countAndClose(world: FleetWorld): Promise<FleetCounts> {
  const log = world.emulator.requestLog();
  world.emulator.setFaults({ rateLimitPerSecond: 0 });
  const clusters = await world.api.listClusters();
  await world.emulator.close();
  return {
    requests: log.length,
    throttled: log.filter((entry) => entry.status === 429).length,
    stopped: clusters.filter((cluster) => cluster.status?.state === 'STOPPED').length,
  };
}
