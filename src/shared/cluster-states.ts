/**
 * What a cluster's state name means to a runbook. Imply documents nine states; the real API may
 * answer others (nothing promises the list is closed). A name we do not know is a transition in
 * progress: waits go on through it until a state we know is settled, or their deadline.
 * Pure, importable from workflows.
 */

export const KNOWN_STATES = [
  'CREATING',
  'RUNNING',
  'UPDATING',
  'STOPPING',
  'STOPPED',
  'STARTING',
  'DELETING',
  'DELETED',
  'FAILED',
] as const;

/** States a cluster rests in: nothing is happening to it. */
export const SETTLED_STATES: readonly string[] = ['RUNNING', 'STOPPED', 'FAILED'];

/** Documented states of a change in flight. */
const BUSY_STATES: readonly string[] = ['CREATING', 'UPDATING', 'STOPPING', 'STARTING', 'DELETING'];

/** True for the nine documented state names. */
export function isKnownState(state: string): boolean {
  return (KNOWN_STATES as readonly string[]).includes(state);
}

/** A transition in progress: a documented busy state, or any state name we do not know. */
export function isInProgress(state: string): boolean {
  return BUSY_STATES.includes(state) || !isKnownState(state);
}

/** The state as progress shows it: verbatim, marked when it is not one of the documented nine. */
export function describeState(state: string): string {
  return isKnownState(state) ? state : `${state} (undocumented state: treated as a transition in progress)`;
}

/** `STATE@resourceVersion`: how a fleet tells one observation of a cluster from the next. */
export function observationKey(seen: { state: string; resourceVersion: number }): string {
  return `${seen.state}@${seen.resourceVersion}`;
}
