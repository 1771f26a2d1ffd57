/**
 * Drift of a folder of cluster specs (clusters as code): what a drift check is asked and answers.
 * Plain types: the drift workflow imports them.
 */

/** What a drift check reads and what it does about drift. */
export interface DriftInput {
  /**
   * The folder of specs: a path the worker can read, or a Git repository URL the worker can clone
   * (without credentials in it: the worker's credential helper or SSH key reads it).
   */
  folder: string;
  /** With a repository URL: the folder inside it (default its root). */
  path?: string;
  /** With a repository URL: the branch or tag (default the remote's HEAD). */
  ref?: string;
  /** The managed-by owner (default: the folder name). */
  owner?: string;
  /** `report` (default): notify and record; `open`: also open each change for approval. */
  mode?: 'report' | 'open';
}

/** One cluster that differs from its file. */
export interface DriftedCluster {
  name: string;
  file?: string;
  clusterId?: string;
  /** `change`: live differs from the file; `create`: the file's cluster does not exist. */
  action: 'change' | 'create' | 'prunable';
  /** `spec.data.tier1.replicas: 3 → 2` (file → live, as the plan would change it back). */
  lines: string[];
}

export interface DriftReport {
  folder: string;
  owner: string;
  checkedAt: string;
  commit?: string;
  drifted: DriftedCluster[];
  /** Clusters that match their files. */
  inSync: number;
}

/** What a change opened for drift got: its runbook, or why not. */
export interface OpenedChange {
  name: string;
  runbookId?: string;
  outcome: string;
  message: string;
}

export interface DriftResult {
  outcome: 'in-sync' | 'drift';
  report: DriftReport;
  opened?: OpenedChange[];
}
