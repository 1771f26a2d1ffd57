import type { ClusterState, DesiredState } from '../cloud-manager/schemas/cluster';

/**
 * The cluster state machine of cloud-manager-api.md, as pure decisions. The service applies them;
 * keeping them here makes the rules one readable page and lets them change in one place.
 *
 *   POST ─► CREATING ─► RUNNING ─(PUT/PATCH config)─► UPDATING ─► RUNNING
 *   RUNNING ─(desiredState STOPPED)─► STOPPING ─► STOPPED ─(desiredState STARTED)─► STARTING ─► RUNNING
 *   RUNNING | STOPPED | FAILED ─(DELETE)─► DELETING ─► DELETED
 *   any transition but DELETING can be told to end in FAILED.
 */

export const BUSY_STATES: ReadonlySet<ClusterState> = new Set<ClusterState>([
  'CREATING',
  'UPDATING',
  'STOPPING',
  'STARTING',
  'DELETING',
]);

/** States from which a configuration change (PUT, PATCH of anything but desiredState) is accepted. */
const CONFIGURABLE_STATES: ReadonlySet<ClusterState> = new Set<ClusterState>(['RUNNING', 'FAILED']);

/** States from which DELETE starts a deletion. */
const DELETABLE_STATES: ReadonlySet<ClusterState> = new Set<ClusterState>(['RUNNING', 'STOPPED', 'FAILED']);

export type Plan =
  | { kind: 'noop' }
  | { kind: 'conflict'; message: string }
  | { kind: 'transition'; busyState: ClusterState; endState: ClusterState };

export interface ChangeRequest {
  operation: 'PUT' | 'PATCH';
  /** The name or the spec (desiredState aside) differs from the current one. */
  configChanged: boolean;
  /** The desired state after the change (the current one when the body does not set it). */
  desiredState: DesiredState;
  /** The body set spec.desiredState explicitly. */
  desiredStateGiven: boolean;
}

/** The state a cluster settles in once it reaches its desired state. Pure. */
export function settledStateFor(desiredState: DesiredState): ClusterState {
  return desiredState === 'STOPPED' ? 'STOPPED' : 'RUNNING';
}

function conflict(uid: string, state: ClusterState, needs: string): Plan {
  const advice = BUSY_STATES.has(state)
    ? 'Wait until the current change finishes, then retry.'
    : 'Start the cluster first (PATCH spec.desiredState STARTED).';
  return { kind: 'conflict', message: `Cluster [${uid}] is ${state}; ${needs}. ${advice}` };
}

/** Decides what a PUT or PATCH does to a cluster in `state`. Pure. */
export function planChange(
  uid: string,
  current: { state: ClusterState; desiredState: DesiredState },
  change: ChangeRequest,
): Plan {
  const desiredChanged = change.desiredState !== current.desiredState;
  if (change.operation === 'PUT' || change.configChanged) {
    if (!CONFIGURABLE_STATES.has(current.state)) {
      return conflict(
        uid,
        current.state,
        `${change.operation} of the configuration needs state RUNNING or FAILED`,
      );
    }
    return { kind: 'transition', busyState: 'UPDATING', endState: settledStateFor(change.desiredState) };
  }
  // Only desiredState is in play. Asking for the state the cluster is in or heading to changes
  // nothing (idempotent), except from FAILED, where asking again is how one retries.
  const failedRetry = current.state === 'FAILED' && change.desiredStateGiven;
  if (!desiredChanged && !failedRetry) return { kind: 'noop' };
  const fromSettled =
    current.state === 'RUNNING' || current.state === 'STOPPED' || current.state === 'FAILED';
  if (!fromSettled) {
    return conflict(
      uid,
      current.state,
      `changing desiredState to ${change.desiredState} needs a settled cluster`,
    );
  }
  return {
    kind: 'transition',
    busyState: change.desiredState === 'STOPPED' ? 'STOPPING' : 'STARTING',
    endState: settledStateFor(change.desiredState),
  };
}

/** Decides what DELETE does to a cluster in `state` (DELETED clusters never get here: they answer 404). Pure. */
export function planDelete(uid: string, state: ClusterState): Plan {
  if (state === 'DELETING') return { kind: 'noop' };
  if (!DELETABLE_STATES.has(state))
    return conflict(uid, state, 'DELETE needs state RUNNING, STOPPED or FAILED');
  return { kind: 'transition', busyState: 'DELETING', endState: 'DELETED' };
}

/** Whether the emulator may end this transition in FAILED when told to (a deletion always completes). Pure. */
export function canFail(busyState: ClusterState): boolean {
  return busyState !== 'DELETING';
}
