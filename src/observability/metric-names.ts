/**
 * The product's own Prometheus metrics, beside the Temporal SDK's `temporal_*` ones. Plain names only:
 * workflow code imports this file.
 */
export const METRICS = {
  /** Labels: kind (lifecycle, power, fleet …), plus namespace, taskQueue, workflowType (added by the SDK). */
  runbooksStarted: 'imply_runbooks_started_total',
  /** Labels: kind, outcome (completed, rejected, rolled-back … as the runbook's result says). */
  runbooksCompleted: 'imply_runbooks_completed_total',
  /** Labels: kind, failure_type (CloudManagerRejected, ClusterBusy, …). */
  runbooksFailed: 'imply_runbooks_failed_total',
  /** Labels: kind. */
  runbooksCancelled: 'imply_runbooks_cancelled_total',
  /** Labels: kind, change (scale, upgrade, restore, delete): a change undone after it failed. */
  runbooksRolledBack: 'imply_runbooks_rolled_back_total',
  /** Clusters of ended fleet runs; labels: action (stop, start), result (done, skipped, failed, not-started). */
  fleetClusters: 'imply_runbooks_fleet_clusters_total',
  /** Ended fleet runs; labels: action, aborted (`true` when the failure share stopped it). */
  fleetRuns: 'imply_runbooks_fleet_runs_total',
  /** Clusters a drift check found differing from their folder; labels: owner, action (change, create, prunable). */
  driftClusters: 'imply_runbooks_drift_clusters_total',
  /** Ended drift checks; labels: owner, outcome (in-sync, drift). */
  driftChecks: 'imply_runbooks_drift_checks_total',
  /** Gauge: runbooks waiting at an approval gate now; labels: kind, namespace, taskQueue. */
  approvalsPending: 'imply_runbooks_approvals_pending',
  /** Gauge: seconds the oldest of them has waited (0 when none); labels: kind, namespace, taskQueue. */
  approvalOldestAge: 'imply_runbooks_approval_oldest_age_seconds',
  /** Labels: method, endpoint (`/clusters/{id}`), status (200, 404, 429, … or `error` for no answer). */
  apiRequests: 'imply_runbooks_cloud_manager_requests_total',
  /** Labels: method, endpoint. The Cloud Manager API answered 429 Too Many Requests. */
  apiThrottled: 'imply_runbooks_cloud_manager_throttled_total',
  /** Milliseconds until the answer's headers; labels: method, endpoint. */
  apiLatency: 'imply_runbooks_cloud_manager_request_duration',
} as const;

/** The runbook kind of a workflow type: `lifecycleRunbook` → `lifecycle`, `keepAliveRunbook` → `keep-alive`. Pure. */
export function runbookKind(workflowType: string): string {
  const base = workflowType.replace(/Runbook$/, '') || workflowType;
  return base.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
