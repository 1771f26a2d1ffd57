import Database from 'better-sqlite3';
import type { ClusterRecord, VersionSnapshot } from './records';

/** The emulator's SQLite file: one row per cluster, one per past version. */

export interface Persistence {
  load(): { clusters: ClusterRecord[]; history: Map<string, VersionSnapshot[]> };
  save(record: ClusterRecord, snapshot?: VersionSnapshot): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clusters (
  uid TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
  uid TEXT NOT NULL,
  version INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (uid, version)
);
`;

/** Opens (creating when absent) the database at `path`. */
export function openPersistence(path: string): Persistence {
  let database: Database.Database;
  try {
    database = new Database(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open the emulator database ${path}: ${reason}. Check the --db path.`);
  }
  // WAL with NORMAL sync keeps write-through cheap; an emulator can afford losing the last
  // moment of writes on a power cut, never a clean restart.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.exec(SCHEMA);
  const upsertCluster = database.prepare(
    'INSERT INTO clusters (uid, sequence, record) VALUES (?, ?, ?) ' +
      'ON CONFLICT(uid) DO UPDATE SET record = excluded.record',
  );
  const upsertVersion = database.prepare(
    'INSERT OR REPLACE INTO history (uid, version, snapshot) VALUES (?, ?, ?)',
  );
  const saveBoth = database.transaction((record: ClusterRecord, snapshot?: VersionSnapshot) => {
    upsertCluster.run(record.uid, record.sequence, JSON.stringify(record));
    if (snapshot) upsertVersion.run(record.uid, record.resourceVersion, JSON.stringify(snapshot));
  });

  return {
    load() {
      const clusterRows = database.prepare('SELECT record FROM clusters ORDER BY sequence').all() as {
        record: string;
      }[];
      const historyRows = database
        .prepare('SELECT uid, version, snapshot FROM history ORDER BY uid, version')
        .all() as { uid: string; version: number; snapshot: string }[];
      const history = new Map<string, VersionSnapshot[]>();
      for (const row of historyRows) {
        const versions = history.get(row.uid) ?? [];
        versions[row.version] = JSON.parse(row.snapshot) as VersionSnapshot;
        history.set(row.uid, versions);
      }
      return { clusters: clusterRows.map((row) => JSON.parse(row.record) as ClusterRecord), history };
    },
    save(record, snapshot) {
      saveBoth(record, snapshot);
    },
    close() {
      database.close();
    },
  };
}
