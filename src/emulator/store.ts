import type { ClusterState, DesiredState } from '../cloud-manager/schemas/cluster';
import type { EchoedSpec } from './defaults';
import { openPersistence, type Persistence } from './persistence';

/**
 * Where the emulator keeps clusters: a Map in memory (fast enough for thousands of clusters and
 * hundreds of requests a second), written through to SQLite when a database file is given, so
 * clusters, history and in-flight transitions survive a restart.
 */

/** A transition in flight: the end time is wall-clock, so a restarted emulator can finish it. */
export interface Transition {
  busyState: ClusterState;
  endState: ClusterState;
  /** Epoch milliseconds when the transition ends. */
  endsAt: number;
}

/** One cluster as the emulator holds it. Records are replaced, never changed in place. */
export interface ClusterRecord {
  uid: string;
  name: string;
  spec: EchoedSpec;
  desiredState: DesiredState;
  state: ClusterState;
  resourceVersion: number;
  /** Creation order, so the list answers in a stable order. */
  sequence: number;
  createdAt: string;
  updatedAt: string;
  /** Whether the last accepted change asked for `force=true` (recorded, never acted on). */
  lastChangeForced: boolean;
  transition?: Transition;
}

/** A past configuration, exactly as history/{n} answers it. */
export interface VersionSnapshot {
  metadata: { name: string; uid: string };
  spec: EchoedSpec;
}

export class ClusterStore {
  private readonly clusters = new Map<string, ClusterRecord>();
  private readonly history = new Map<string, VersionSnapshot[]>();
  private nextSequence = 0;
  private readonly persistence?: Persistence;

  /** Opens the store, loading everything from `dbPath` when given. */
  constructor(dbPath?: string) {
    if (!dbPath) return;
    this.persistence = openPersistence(dbPath);
    const loaded = this.persistence.load();
    for (const record of loaded.clusters) {
      this.clusters.set(record.uid, record);
      this.nextSequence = Math.max(this.nextSequence, record.sequence + 1);
    }
    for (const [uid, snapshots] of loaded.history) this.history.set(uid, snapshots);
  }

  get persistent(): boolean {
    return this.persistence !== undefined;
  }

  get size(): number {
    return this.clusters.size;
  }

  takeSequence(): number {
    return this.nextSequence++;
  }

  get(uid: string): ClusterRecord | undefined {
    return this.clusters.get(uid);
  }

  /** Every cluster, deleted ones included, in creation order. */
  all(): ClusterRecord[] {
    return [...this.clusters.values()];
  }

  /** Saves the record and, when given, the snapshot of its new version. Safe to repeat. */
  save(record: ClusterRecord, snapshot?: VersionSnapshot): void {
    this.clusters.set(record.uid, record);
    if (snapshot) {
      const versions = this.history.get(record.uid) ?? [];
      versions[record.resourceVersion] = snapshot;
      this.history.set(record.uid, versions);
    }
    this.persistence?.save(record, snapshot);
  }

  version(uid: string, resourceVersion: number): VersionSnapshot | undefined {
    return this.history.get(uid)?.[resourceVersion];
  }

  close(): void {
    this.persistence?.close();
  }
}
