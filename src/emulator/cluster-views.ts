import type { ClusterState, DesiredState } from '../cloud-manager/schemas/cluster';
import type { EchoedSpec } from './defaults';
import { EmulatorHttpError } from './http-io';
import type { ClusterRecord, VersionSnapshot } from './store';

/** The shapes the emulator answers with, and its 404s, in one place. */

/** A cluster as GET by id and the list answer it: `{ metadata, spec, status }`. */
export interface ClusterView {
  metadata: { name: string; uid: string };
  spec: EchoedSpec;
  status: { state: ClusterState; resourceVersion: number; desiredState: DesiredState };
}

/** `{ metadata, spec }`: what POST, PUT, PATCH and history answer (no status, as in the tutorial). Pure. */
export function snapshotOf(record: Pick<ClusterRecord, 'name' | 'uid' | 'spec'>): VersionSnapshot {
  return { metadata: { name: record.name, uid: record.uid }, spec: record.spec };
}

/** `{ metadata, spec, status }` for GET and the list. Pure. */
export function viewOf(record: ClusterRecord): ClusterView {
  return {
    metadata: { name: record.name, uid: record.uid },
    spec: record.spec,
    status: {
      state: record.state,
      resourceVersion: record.resourceVersion,
      desiredState: record.desiredState,
    },
  };
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
