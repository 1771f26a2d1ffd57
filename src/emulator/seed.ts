import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterState, DesiredState } from '../cloud-manager/schemas/cluster';
import type { ClusterRecord, ClusterStore, VersionSnapshot } from './store';

/**
 * `emulator --seed <dir>`: starts the emulator from the answers `doctor --record` wrote (or any
 * cluster answers in that shape): each `cluster-*.json` becomes a cluster with its spec as recorded
 * (fields we do not model included), its state (an undocumented one too) and its resource version.
 * History: the recorded `history-<id>-0.json` is version 0; the versions between, which doctor does
 * not read, answer as the current one (an approximation, said in docs/emulator.md).
 */

interface Answer {
  metadata?: { uid?: unknown; name?: unknown };
  spec?: Record<string, unknown>;
  status?: { state?: unknown; resourceVersion?: unknown; desiredState?: unknown };
}

function readAnswer(file: string): Answer {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Answer;
  } catch (error) {
    throw new Error(`--seed: ${file} is not a JSON answer: ${(error as Error).message}`);
  }
}

function snapshot(uid: string, name: string, spec: Record<string, unknown>): VersionSnapshot {
  return { metadata: { name, uid }, spec };
}

/** Loads every recorded cluster of `directory` into `store`; returns how many. Writes the store. */
export function seedStore(store: ClusterStore, directory: string): number {
  let files: string[];
  try {
    files = readdirSync(directory);
  } catch (error) {
    throw new Error(
      `--seed ${directory}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}: give the folder doctor --record wrote`,
    );
  }
  const clusters = files.filter((file) => /^cluster-.*\.json$/.test(file)).sort();
  if (clusters.length === 0)
    throw new Error(`--seed ${directory}: no cluster-*.json answers in it (doctor --record writes them)`);
  const now = new Date().toISOString();
  for (const file of clusters) {
    const answer = readAnswer(path.join(directory, file));
    const uid = String(answer.metadata?.uid ?? '');
    const name = String(answer.metadata?.name ?? '');
    if (!uid || !name || !answer.spec)
      throw new Error(`--seed: ${file} has no metadata.uid, metadata.name or spec`);
    const { desiredState, ...spec } = answer.spec;
    const version = Number.isInteger(answer.status?.resourceVersion)
      ? (answer.status?.resourceVersion as number)
      : 0;
    const record: ClusterRecord = {
      uid,
      name,
      spec,
      desiredState: (desiredState ?? answer.status?.desiredState ?? 'STARTED') as DesiredState,
      state: String(answer.status?.state ?? 'RUNNING') as ClusterState,
      resourceVersion: version,
      sequence: store.takeSequence(),
      createdAt: now,
      updatedAt: now,
      lastChangeForced: false,
    };
    const historyFile = path.join(directory, `history-${uid}-0.json`);
    const first = files.includes(path.basename(historyFile)) ? readAnswer(historyFile) : undefined;
    for (let at = 0; at < version; at++) {
      const spec0 = at === 0 && first?.spec ? first.spec : spec;
      store.save({ ...record, resourceVersion: at }, snapshot(uid, name, spec0));
    }
    store.save(record, snapshot(uid, name, spec));
  }
  return clusters.length;
}
