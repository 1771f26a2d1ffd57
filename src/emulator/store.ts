import { openPersistence, type Persistence } from './persistence';
import type { ClusterRecord, VersionSnapshot } from './records';

export type { ClusterRecord, Transition, VersionSnapshot } from './records';

/**
 * Where the emulator keeps clusters: a Map in memory (fast enough for thousands of clusters and
 * hundreds of requests a second), written through to SQLite when a database file is given, so
 * clusters, history and in-flight transitions survive a restart.
 */

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
