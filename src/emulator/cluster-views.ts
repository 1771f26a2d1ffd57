import type { ClusterState, DesiredState } from '../cloud-manager/schemas/cluster';
import type { EchoedSpec } from './defaults';
import { EmulatorHttpError } from './http-io';
import type { EmulatorMode } from './mode';
import { realisticStatus } from './realistic';
import type { ClusterRecord, VersionSnapshot } from './store';

/** The shapes the emulator answers with, and its 404s, in one place. */

/** A cluster as GET by id and the list answer it: `{ metadata, spec, status }`. */
export interface ClusterView {
  metadata: { name: string; uid: string };
  spec: EchoedSpec;
  status: { state: ClusterState; resourceVersion: number; desiredState: DesiredState };
}

/**
 * `{ metadata, spec }`: what POST, PUT, PATCH and history answer (no status, as in the tutorial),
 * `spec.desiredState` included as in the API reference's sample. Pure.
 */
export function snapshotOf(
  record: Pick<ClusterRecord, 'name' | 'uid' | 'spec' | 'desiredState'>,
): VersionSnapshot {
  return {
    metadata: { name: record.name, uid: record.uid },
    spec: { ...record.spec, desiredState: record.desiredState },
  };
}

/** `{ metadata, spec, status }` for GET and the list. Pure. */
export function viewOf(record: ClusterRecord): ClusterView {
  return {
    ...snapshotOf(record),
    status: {
      state: record.state,
      resourceVersion: record.resourceVersion,
      desiredState: record.desiredState,
    },
  };
}

/**
 * A cluster answer as the mode shows it: without `spec.desiredState` for the tutorial's trimmed
 * outputs; with the status fields we do not model in realistic mode. Pure.
 */
export function inMode<T extends VersionSnapshot | ClusterView>(body: T, mode: EmulatorMode): T {
  let shown: T = body;
  if (mode.tutorialOutputs && 'desiredState' in body.spec) {
    const { desiredState: _desiredState, ...spec } = body.spec;
    shown = { ...shown, spec };
  }
  if (mode.realistic && 'status' in shown) {
    const view = shown as ClusterView;
    shown = { ...shown, status: { ...view.status, ...realisticStatus(view) } };
  }
  return shown;
}

/** The 404 for an unknown or deleted cluster. */
export function clusterNotFound(uid: string): EmulatorHttpError {
  return new EmulatorHttpError(404, 'NotFound', `Cluster [${uid}] was not found`);
}

/** The 404 for a history version the cluster never had. */
export function versionNotFound(uid: string, version: string): EmulatorHttpError {
  return new EmulatorHttpError(
    404,
    'NotFound',
    `Cluster [${uid}] resource version [${version}] was not found`,
  );
}

/** The 409 for a change the cluster's state does not allow. */
export function stateConflict(message: string): EmulatorHttpError {
  return new EmulatorHttpError(409, 'StateConflict', message);
}
