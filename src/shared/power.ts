import type { WaitOptions } from './steps';
import type { ShrinkMode } from './shrink';
import type { SpecChange } from './spec-changes';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { changeWorkflowId, keepAliveWorkflowId, manualFleetWorkflowId } from './runbook-ids';

/** What a power runbook does to a cluster: `stop` sets desiredState STOPPED, `start` RUNNING. */
export type PowerAction = 'stop' | 'start';

/**
 * Input of the per-cluster power workflow `powerRunbook` (workflow id `change:<clusterUid>`, shared
 * with the change runbook: one change, stop or start per cluster at a time).
 */
export interface PowerInput {
  clusterId: string;
  action: PowerAction;
  requester: string;
  reason?: string;
  source: 'schedule' | 'person';
  scheduleName?: string;
  wait?: WaitOptions;
  /**
   * Least time between two Cloud Manager calls of this runbook; the fleet sets it so that
   * `concurrency` runbooks together stay under `requestsPerSecond`. Absent: no pacing (a person's stop).
   */
  minRequestIntervalMs?: number;
  /**
   * The cluster as the fleet's one list read found it. When it says the cluster needs the change,
   * the runbook PATCHes without reading first (the PATCH answers with the state it found; a busy
   * cluster's 409 sends it back to reading and waiting). Absent (a person's stop): read first.
   */
  listed?: ListedCluster;
  /** Epoch ms: no Cloud Manager call before then (the fleet lane's previous runbook called last just before). */
  firstCallAt?: number;
  /**
   * The fleet reads the list for every runbook it started and signals each what it saw
   * (`clusterObserved`): after its PATCH the runbook waits for that word instead of polling itself,
   * so a fleet stop costs one request per cluster plus the shared list reads.
   */
  watchedByFleet?: boolean;
}

/** What one of the fleet's list reads saw of a cluster; `gone`: not listed any more, or DELETED. */
export interface ClusterObservation {
  clusterId: string;
  state: string;
  resourceVersion: number;
  desiredState?: string;
  gone?: boolean;
}

/** A cluster as the fleet's list read saw it. */
export interface ListedCluster {
  clusterName: string;
  state: string;
  resourceVersion: number;
  nodes: NodeGroup[];
}

/** One node group of a cluster (master, query, data.tier1…): what a cluster costs per hour. */
export interface NodeGroup {
  group: string;
  instanceType: string;
  replicas: number;
}

/** The result of `powerRunbook`; the savings report reads these from closed executions. */
export interface PowerResult {
  clusterId: string;
  clusterName: string;
  action: PowerAction;
  /** `skipped`: already in the wanted state (nothing was sent); `failed`: the change did not land. */
  outcome: 'done' | 'skipped' | 'failed';
  reason?: string;
  startedAt: string;
  endedAt: string;
  finalState: string;
  nodes: NodeGroup[];
  source: 'schedule' | 'person';
  scheduleName?: string;
  requester: string;
}

/** Which clusters a fleet run acts on; every given criterion must match (AND). */
export interface ClusterSelector {
  /** `awsTags` that must all be present with these values. */
  tags?: Record<string, string>;
  /** Glob on the cluster name: `*` any run of characters, `?` one character. */
  nameGlob?: string;
  /** Cluster ids (uids) or names, exactly. */
  clusters?: string[];
  /** `key=value` tag that opts a cluster out; default `imply-runbooks/schedule=off`. */
  optOutTag?: string;
}

/** Input of the fleet workflow `fleetRunbook`. */
export interface FleetInput {
  action: PowerAction;
  selector: ClusterSelector;
  scheduleName?: string;
  requester: string;
  /** How many power runbooks run at once; default 10. */
  concurrency?: number;
  /** Cloud Manager requests per second for the whole fleet; default 10. */
  requestsPerSecond?: number;
  /** Stop starting new clusters once failed / selected exceeds this share (0..1); default 0.3. */
  maxFailureShare?: number;
  wait?: WaitOptions;
  /** A cluster whose `change:<id>` runbook is running: try again this often, then report it busy. */
  busyRetry?: { attempts?: number; delayMs?: number };
  /**
   * A shrink schedule's run: instead of a power runbook per cluster, a change runbook that scales to
   * these values (`stop`, remembering what each cluster had) or back to the remembered values
   * (`start`). Needs `scheduleName`: the memory is per schedule and cluster.
   */
  shrink?: SpecChange[];
  /**
   * Events the fleet run's history may reach before it starts no new cluster and continues as new
   * with the rest; default 8,000 (Temporal warns at 10,240). Lower it only to see the hand-over.
   */
  historyBudget?: number;
  /**
   * Set by the fleet run itself when it continues as new (its history kept under its budget): what
   * the earlier runs selected, did and found, and the clusters still to act on.
   */
  carried?: FleetCarry;
}

/** A fleet run's state handed to its next run by continue-as-new; the `select` and `filter` steps are done. */
export interface FleetCarry {
  startedAt: string;
  selected: number;
  acting: number;
  childFailures: number;
  /** Clusters still to act on, in order. */
  targets: FleetCluster[];
  done: string[];
  skipped: Array<{ cluster: string; reason: string }>;
  failed: Array<{ cluster: string; reason: string }>;
  notStarted: string[];
  results: PowerResult[];
  /** Runs before this one (1 for the second run). */
  runs: number;
}

/** One selected cluster as the fleet run needs it: kept small, since it lands in workflow history. */
export interface FleetCluster {
  id: string;
  name: string;
  state: string;
  resourceVersion: number;
  /** Carries the selector's opt-out tag: reported as skipped, never touched. */
  optedOut: boolean;
  /** What it runs on (what it costs running), as listed. */
  nodes: NodeGroup[];
  /** Its `owner` tag, when it has one: whom an off-hours guard tells before stopping it again. */
  owner?: string;
}

/** The result of `fleetRunbook`: printed by the CLI and posted to the notification webhook. */
export interface FleetSummary {
  action: PowerAction;
  scheduleName?: string;
  startedAt: string;
  endedAt: string;
  selected: number;
  done: string[];
  skipped: Array<{ cluster: string; reason: string }>;
  failed: Array<{ cluster: string; reason: string }>;
  notStarted: string[];
  /** Why the run stopped starting new clusters (failure share exceeded), with the figures. */
  aborted?: string;
  results: PowerResult[];
  /** A shrink schedule's run: which half, and the values it shrinks to. */
  shrink?: { mode: ShrinkMode; changes: SpecChange[] };
}

/** A keep-alive override: workflow `keepalive:<clusterUid>` (kind `keep-alive`) sleeping until `until`. */
export interface KeepAlive {
  clusterId: string;
  clusterName: string;
  until: string;
  reason: string;
  setBy: string;
  setAt: string;
}

export const DEFAULT_OPT_OUT_TAG = 'imply-runbooks/schedule=off';
export const FLEET_DEFAULTS = {
  concurrency: 10,
  requestsPerSecond: 10,
  maxFailureShare: 0.3,
  busyAttempts: 5,
  busyDelayMs: 60_000,
  historyBudget: 8_000,
} as const;

/** Failure type of a power runbook whose change did not land; its details hold the `PowerResult`. */
export const POWER_ACTION_FAILED = 'PowerActionFailed';

/** The search attributes a runbook on one cluster starts with: found by kind and cluster before its first task. */
export const runbookAttributes = (kind: string, clusterId: string, clusterName?: string) => [
  { key: SEARCH_ATTRIBUTES.kind, value: kind },
  { key: SEARCH_ATTRIBUTES.clusterId, value: clusterId },
  ...(clusterName ? [{ key: SEARCH_ATTRIBUTES.clusterName, value: clusterName }] : []),
];

/**
 * How the CLI starts a power runbook: one change per cluster at a time (a start while another
 * change runs is refused), a new one allowed once the previous has ended.
 */
export function powerStartOptions(input: PowerInput, taskQueue: string, clusterName?: string) {
  return {
    workflowId: changeWorkflowId(input.clusterId),
    taskQueue,
    args: [input] as [PowerInput],
    workflowIdConflictPolicy: 'FAIL' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    // Set at start too, so visibility finds the runbook by kind and cluster before its first task runs.
    typedSearchAttributes: runbookAttributes('power', input.clusterId, clusterName),
  };
}

/** How the CLI sets a keep-alive: the override travels in the memo, where `keep-alive list` reads it. */
export function keepAliveStartOptions(keepAlive: KeepAlive, taskQueue: string) {
  return {
    workflowId: keepAliveWorkflowId(keepAlive.clusterId),
    taskQueue,
    args: [keepAlive] as [KeepAlive],
    workflowIdConflictPolicy: 'FAIL' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    memo: { keepAlive },
    typedSearchAttributes: runbookAttributes('keep-alive', keepAlive.clusterId, keepAlive.clusterName),
  };
}

/** How a fleet run is started by hand (`manualFleetWorkflowId`). */
export function fleetStartOptions(input: FleetInput, taskQueue: string, now: Date) {
  return {
    workflowId: manualFleetWorkflowId(input.scheduleName, input.action, now),
    taskQueue,
    args: [input] as [FleetInput],
    workflowIdConflictPolicy: 'FAIL' as const,
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.kind, value: 'fleet' }],
  };
}
