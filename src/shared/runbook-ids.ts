import { DEFAULT_ENVIRONMENT } from './environments';

/**
 * Every runbook's workflow id, in one place. The ids carry the product's guarantees: Temporal runs
 * one workflow per id at a time, so `change:<uid>` is one change (or stop, or start) per cluster,
 * `lifecycle:<name>` one lifecycle per name, `fleet:<schedule>:<slot>` one run per schedule slot.
 * Pure, importable from workflows.
 */

/** The workflow id of any change to one cluster (change and power runbooks): one at a time. */
export function changeWorkflowId(clusterId: string): string {
  return `change:${clusterId}`;
}

/** The workflow id of the keep-alive override of one cluster. */
export function keepAliveWorkflowId(clusterId: string): string {
  return `keepalive:${clusterId}`;
}

/**
 * The workflow id of the lifecycle runbook of one cluster name: one runbook per name at a time in
 * each environment (`lifecycle:<name>` in the default one, `lifecycle:<env>:<name>` in another).
 */
export function lifecycleWorkflowId(clusterName: string, environment: string = DEFAULT_ENVIRONMENT): string {
  return environment === DEFAULT_ENVIRONMENT
    ? `lifecycle:${clusterName}`
    : `lifecycle:${environment}:${clusterName}`;
}

/** `offhours:<schedule>:<until>`: one off-hours guard per night and schedule. */
export function offHoursWorkflowId(scheduleName: string, until: string): string {
  return `offhours:${scheduleName}:${until}`;
}

/** The fleet run of one slot of one schedule: `fleet:<schedule id>:<local date>T<local time>`. */
export function slotFleetWorkflowId(scheduleId: string, slotKey: string): string {
  return `fleet:${scheduleId}:${slotKey}`;
}

/** A fleet run started by hand: `fleet:<schedule or manual>:<action>:<start time>`. */
export function manualFleetWorkflowId(scheduleName: string | undefined, action: string, now: Date): string {
  return `fleet:${scheduleName ?? 'manual'}:${action}:${now.toISOString()}`;
}

/**
 * `shrunk:<schedule>:<uid>`: what a shrink schedule changed on one cluster and must put back. One per
 * schedule and cluster: while it runs, a second shrink keeps the values first remembered.
 */
export function shrinkRecordWorkflowId(scheduleName: string, clusterId: string): string {
  return `shrunk:${scheduleName}:${clusterId}`;
}
